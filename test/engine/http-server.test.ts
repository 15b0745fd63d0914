// The engine over HTTP, as the browser UI uses it: contract methods validated on arrival, events as
// server-sent events, images by id with path checks, uploads for search by image, and the network
// guards (token, Host header).

import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { Library } from '../../electron/core/library/library.js';
import { Engine } from '../../electron/engine/engine.js';
import {
  checkServeConfig,
  KEPT_UPLOADS,
  MAX_UPLOAD,
  startServer,
  type RunningServer,
} from '../../electron/engine/http-server.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';

/** A raw request, so tests can send any Host header and read any status. */
function raw(
  url: string,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    if (Buffer.isBuffer(options.body)) req.end(options.body);
    else if (options.body !== undefined) req.end(JSON.stringify(options.body));
    else req.end();
  });
}

describe('HTTP server', () => {
  const root = tempDir();
  const photosDir = join(root, 'photos');
  let photos: GeneratedPhoto[] = [];
  let library: Library;
  let engine: Engine;
  let server: RunningServer;
  const api = async (method: string, params: unknown) => {
    const r = await raw(`${server.url}/api/${method}`, { method: 'POST', body: params });
    return {
      status: r.status,
      json: JSON.parse(r.body.toString()) as { result?: unknown; error?: { code: string; message: string } },
    };
  };

  beforeAll(async () => {
    photos = await generatePhotoFolder(photosDir, {
      count: 24,
      seed: 81,
      formats: ['jpeg'],
      pairs: [
        ['red', 'circle'],
        ['blue', 'star'],
      ],
    });
    // A symlink inside the library pointing outside it: must not be served.
    writeFileSync(join(root, 'secret.jpg'), 'not for you');
    mkdirSync(join(photosDir, 'links'));
    symlinkSync(join(root, 'secret.jpg'), join(photosDir, 'links', 'secret.jpg'));
    library = Library.open({
      dbPath: join(root, 'lib', 'library.sqlite'),
      model: ClipModel.open(TEST_MODEL_DIR),
    });
    engine = new Engine(library);
    server = await startServer({ engine });
  }, 300_000);

  afterAll(async () => {
    await server.close();
    await engine.close();
    library.close();
  });

  it('adds a folder and indexes it, streaming progress as server-sent events', async () => {
    const events: string[] = [];
    const sse = request(`${server.url}/api/events`, (res) => {
      res.on('data', (c: Buffer) => events.push(c.toString()));
    });
    sse.end();
    await new Promise((r) => setTimeout(r, 100));
    expect((await api('library.addFolder', { path: photosDir })).json.result).toEqual({ ok: true });
    expect((await api('index.start', {})).json.result).toEqual({ started: true });
    for (let i = 0; i < 600; i++) {
      const s = (await api('library.status', {})).json.result as { pending: number; total: number };
      if (s.total > 0 && s.pending === 0 && events.join('').includes('index finished')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    sse.destroy();
    const stream = events.join('');
    expect(stream).toMatch(/event: index.progress\ndata: \{"done":\d+,"total":25/);
    expect(stream).toMatch(/event: library.changed\ndata: \{"reason":"index finished"\}/);
    const status = (await api('library.status', {})).json.result as { indexed: number; failed: number };
    expect(status.indexed + status.failed).toBe(25);
  });

  it('runs a search and serves the results as thumbnails and photos, by id', async () => {
    const r = await api('search.text', { query: 'a photo of a red circle', limit: 5, strictness: 0 });
    expect(r.status).toBe(200);
    const hits = (r.json.result as { hits: { id: number; path: string }[] }).hits;
    expect(hits).toHaveLength(5);
    const thumb = await raw(`${server.url}/media/thumb/${hits[0]?.id ?? 0}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect(thumb.body.subarray(8, 12).toString()).toBe('WEBP');
    const photo = await raw(`${server.url}/media/photo/${hits[0]?.id ?? 0}`);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    expect(photos.map((p) => p.path)).toContain(hits[0]?.path);
  });

  it('refuses bad requests with a clear error, before they reach the engine', async () => {
    expect(await api('search.text', { query: '' })).toMatchObject({
      status: 400,
      json: { error: { code: 'bad-request' } },
    });
    expect(await api('search.text', { query: 'x', limit: 1e9 })).toMatchObject({ status: 400 });
    expect(await api('search.text', { query: 'x', extra: 1 })).toMatchObject({ status: 400 });
    expect(await api('photos.get', { id: 99999 })).toMatchObject({ status: 404 });
    expect(await api('no.such.method', {})).toMatchObject({ status: 404 });
    const notJson = await raw(`${server.url}/api/library.status`, {
      method: 'POST',
      body: undefined,
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.status).toBe(200);
    const get = await raw(`${server.url}/api/library.status`);
    expect(get.status).toBe(405);
  });

  it('serves no file outside the library and the thumbnail cache', async () => {
    for (const path of [
      '/media/photo/../../etc/passwd',
      '/media/photo/0',
      '/media/photo/abc',
      '/media/thumb/999999',
      '/media/x/1',
    ])
      expect((await raw(`${server.url}${path}`)).status, path).toBe(404);
    const secret = library.store.photoByPath(join(photosDir, 'links', 'secret.jpg'));
    // The planted symlink is in the library (as a failed photo); its target is never served.
    expect(secret).toBeDefined();
    expect((await raw(`${server.url}/media/photo/${secret?.id ?? 0}`)).status).toBe(404);
    expect((await raw(`${server.url}/index.html`)).status).toBe(404);
  });

  it('takes an uploaded image into a private folder, for search by image', async () => {
    const bytes = readFileSync(photos.find((p) => p.colour === 'blue' && p.shape === 'star')?.path ?? '');
    const post = (body: Buffer, headers: Record<string, string>) =>
      raw(`${server.url}/api/upload-image`, { method: 'POST', body, headers });
    const r = await post(bytes, { 'content-type': 'image/jpeg' });
    expect(r.status).toBe(200);
    const { result } = JSON.parse(r.body.toString()) as { result: { path: string } };
    expect(result.path).toMatch(/[0-9a-f]{32}\.jpg$/);
    expect(readFileSync(result.path)).toEqual(bytes);
    expect(statSync(result.path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(result.path)).mode & 0o777).toBe(0o700);
    expect(dirname(result.path)).not.toBe(photosDir);
    const found = await api('search.image', { path: result.path, limit: 3, strictness: 0 });
    expect(found.status).toBe(200);
    const hits = (found.json.result as { hits: { path: string }[] }).hits;
    expect(hits).toHaveLength(3);
    const blueStars = new Set(
      photos.filter((p) => p.colour === 'blue' && p.shape === 'star').map((p) => p.path),
    );
    expect(blueStars.has(hits[0]?.path ?? '')).toBe(true);

    // Only image bodies, of at most 50 MB, and only the last few are kept.
    expect((await post(bytes, { 'content-type': 'application/json' })).status).toBe(415);
    expect((await post(bytes, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(Buffer.alloc(0), { 'content-type': 'image/png' })).status).toBe(400);
    const big = await post(Buffer.alloc(16), {
      'content-type': 'image/jpeg',
      'content-length': String(MAX_UPLOAD + 1),
    }).catch((err: unknown) => ({ status: (err as NodeJS.ErrnoException).code }));
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(big.status);
    expect((await raw(`${server.url}/api/upload-image`)).status).toBe(405);
    const paths: string[] = [result.path];
    for (let i = 0; i < KEPT_UPLOADS; i++) {
      const u = await post(bytes, { 'content-type': 'image/jpeg' });
      paths.push((JSON.parse(u.body.toString()) as { result: { path: string } }).result.path);
    }
    expect(new Set(paths).size).toBe(KEPT_UPLOADS + 1);
    expect(existsSync(result.path)).toBe(false);
    expect(paths.slice(1).every((p) => existsSync(p))).toBe(true);
    // A file that is not an image is refused by search.image with a clear message.
    const junk = await post(Buffer.from('definitely not a jpeg'), { 'content-type': 'image/jpeg' });
    const junkPath = (JSON.parse(junk.body.toString()) as { result: { path: string } }).result.path;
    const refused = await api('search.image', { path: junkPath });
    expect(refused).toMatchObject({ status: 400, json: { error: { code: 'bad-request' } } });
    expect(refused.json.error?.message).toMatch(/not an image/);
  });

  it('refuses a foreign Host header on loopback (DNS rebinding)', async () => {
    const r = await raw(`${server.url}/api/library.status`, {
      method: 'POST',
      body: {},
      headers: { host: 'evil.example:80' },
    });
    expect(r.status).toBe(403);
    const upload = await raw(`${server.url}/api/upload-image`, {
      method: 'POST',
      body: Buffer.from('x'),
      headers: { host: 'evil.example:80', 'content-type': 'image/png' },
    });
    expect(upload.status).toBe(403);
  });

  it('needs a token beyond loopback, and checks it on every request', async () => {
    expect(() => {
      checkServeConfig('0.0.0.0', null);
    }).toThrow(/give a --token/);
    expect(() => {
      checkServeConfig('0.0.0.0', 'short');
    }).toThrow(/at least 16/);
    const token = 'a-long-enough-secret-token';
    const uploaded = { path: '' };
    const guarded = await startServer({ engine, host: '127.0.0.1', token });
    try {
      expect((await raw(`${guarded.url}/api/library.status`, { method: 'POST', body: {} })).status).toBe(401);
      const ok = await raw(`${guarded.url}/api/library.status`, {
        method: 'POST',
        body: {},
        headers: { authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      expect((await raw(`${guarded.url}/media/thumb/1?token=${token}`)).status).toBe(200);
      expect((await raw(`${guarded.url}/media/thumb/1?token=wrong-token-wrong-token`)).status).toBe(401);
      const image = { 'content-type': 'image/png' };
      const png = readFileSync(photos[0]?.path ?? '');
      expect(
        (await raw(`${guarded.url}/api/upload-image`, { method: 'POST', body: png, headers: image })).status,
      ).toBe(401);
      const sent = await raw(`${guarded.url}/api/upload-image`, {
        method: 'POST',
        body: png,
        headers: { ...image, authorization: `Bearer ${token}` },
      });
      expect(sent.status).toBe(200);
      uploaded.path = (JSON.parse(sent.body.toString()) as { result: { path: string } }).result.path;
      expect(existsSync(uploaded.path)).toBe(true);
    } finally {
      await guarded.close();
    }
    // Closing the server removes its uploads.
    expect(uploaded.path).not.toBe('');
    expect(existsSync(dirname(uploaded.path))).toBe(false);
  });
});
