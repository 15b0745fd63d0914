// The engine over HTTP, as the browser UI uses it: contract methods validated on arrival, events as
// server-sent events, images by id with path checks, uploads for search by image, and the guards an
// attacker meets: Host header (DNS rebinding), Origin and Sec-Fetch-Site (other sites), JSON only,
// links out of the library, the token (header or the cookie a token visit sets, never the query),
// caps on uploads and event streams, and the headers that keep media from being embedded elsewhere.

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { Library } from '../../electron/core/library/library.js';
import { Engine } from '../../electron/engine/engine.js';
import { KEPT_UPLOADS } from '../../electron/core/library/upload-store.js';
import {
  checkServeConfig,
  MAX_CONCURRENT_UPLOADS,
  MAX_EVENT_STREAMS,
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
  let outside: GeneratedPhoto[] = [];
  let library: Library;
  let engine: Engine;
  let server: RunningServer;
  const JSON_TYPE = { 'content-type': 'application/json' };
  const api = async (method: string, params: unknown, headers: Record<string, string> = {}) => {
    const r = await raw(`${server.url}/api/${method}`, {
      method: 'POST',
      body: params,
      headers: { ...JSON_TYPE, ...headers },
    });
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
    // Links inside the library pointing out of it, to a photo and to a folder of photos: neither is
    // indexed, thumbnailed or served.
    outside = await generatePhotoFolder(join(root, 'elsewhere'), { count: 2, seed: 82, formats: ['jpeg'] });
    mkdirSync(join(photosDir, 'links'));
    symlinkSync(outside[0]?.path ?? '', join(photosDir, 'links', 'secret.jpg'));
    symlinkSync(join(root, 'elsewhere'), join(photosDir, 'links', 'elsewhere'));
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
    expect(stream).toMatch(/event: index.progress\ndata: \{"done":\d+,"total":24/);
    expect(stream).toMatch(/event: library.changed\ndata: \{"reason":"index finished"\}/);
    const status = (await api('library.status', {})).json.result as {
      indexed: number;
      failed: number;
      skipped: { path: string; reason: string }[];
    };
    expect(status.indexed + status.failed).toBe(24);
    // What the links led to is not in the library; status says what was left out and why.
    expect(status.skipped.map((s) => s.path).sort()).toEqual(
      [join(photosDir, 'links', 'elsewhere'), join(photosDir, 'links', 'secret.jpg')].sort(),
    );
    expect(status.skipped.every((s) => /outside the library folder/.test(s.reason))).toBe(true);
    for (const p of outside) expect(library.store.photoByPath(p.path)).toBeUndefined();
    expect(
      library.store.photoByPath(join(photosDir, 'links', 'elsewhere', outside[1]?.file ?? '')),
    ).toBeUndefined();
  });

  it('runs a search and serves the results as thumbnails and photos, by id', async () => {
    const r = await api('search.text', { query: 'a photo of a red circle', limit: 5, matches: 'all' });
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
    // Images for our own pages only: never embedded by another site, never run as a document.
    for (const media of [thumb, photo])
      expect(media.headers).toMatchObject({
        'cross-origin-resource-policy': 'same-origin',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
      });
    expect(
      (await raw(`${server.url}/api/library.status`, { method: 'POST', body: {}, headers: JSON_TYPE }))
        .headers['x-content-type-options'],
    ).toBe('nosniff');
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
    const empty = await raw(`${server.url}/api/library.status`, {
      method: 'POST',
      body: undefined,
      headers: JSON_TYPE,
    });
    expect(empty.status).toBe(200);
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
    expect((await raw(`${server.url}/index.html`)).status).toBe(404);
  });

  it("serves neither a photo nor its thumbnail once the photo's file leads out of the library", async () => {
    // Indexed while it was a real file in the folder, then replaced by a link to one elsewhere.
    const victim = photos[5] as GeneratedPhoto;
    const id = library.store.photoByPath(victim.path)?.id ?? 0;
    expect((await raw(`${server.url}/media/thumb/${id}`)).status).toBe(200);
    const away = join(root, 'elsewhere', 'moved-out.jpg');
    renameSync(victim.path, away);
    symlinkSync(away, victim.path);
    try {
      expect((await raw(`${server.url}/media/photo/${id}`)).status).toBe(404);
      expect((await raw(`${server.url}/media/thumb/${id}`)).status).toBe(404);
    } finally {
      rmSync(victim.path);
      renameSync(away, victim.path);
    }
    expect((await raw(`${server.url}/media/thumb/${id}`)).status).toBe(200);
  });

  it("takes an uploaded image into the library's private uploads folder, for search by image", async () => {
    const bytes = readFileSync(photos.find((p) => p.colour === 'blue' && p.shape === 'star')?.path ?? '');
    const post = (body: Buffer, headers: Record<string, string>) =>
      raw(`${server.url}/api/upload-image`, { method: 'POST', body, headers });
    const r = await post(bytes, { 'content-type': 'image/jpeg' });
    expect(r.status).toBe(200);
    const { result } = JSON.parse(r.body.toString()) as { result: { upload: string } };
    expect(result.upload).toMatch(/^[0-9a-f]{32}\.jpg$/);
    const file = join(library.dataDir, 'uploads', result.upload);
    expect(readFileSync(file)).toEqual(bytes);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const found = await api('search.image', { upload: result.upload, limit: 3, matches: 'all' });
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
    // Streamed, not buffered: a body past the limit without a length is cut off, and nothing kept.
    const before = readdirSync(dirname(file)).length;
    const streamed = await post(Buffer.alloc(MAX_UPLOAD + 1024), { 'content-type': 'image/jpeg' }).catch(
      (err: unknown) => ({ status: (err as NodeJS.ErrnoException).code }),
    );
    expect([413, 'ECONNRESET', 'EPIPE']).toContain(streamed.status);
    expect(readdirSync(dirname(file)).length).toBe(before);
    expect((await raw(`${server.url}/api/upload-image`)).status).toBe(405);
    const ids: string[] = [result.upload];
    for (let i = 0; i < KEPT_UPLOADS; i++) {
      const u = await post(bytes, { 'content-type': 'image/jpeg' });
      ids.push((JSON.parse(u.body.toString()) as { result: { upload: string } }).result.upload);
      await new Promise((r) => setTimeout(r, 5)); // distinct times, so "oldest" is well defined
    }
    expect(new Set(ids).size).toBe(KEPT_UPLOADS + 1);
    expect(existsSync(file)).toBe(false);
    expect(ids.slice(1).every((id) => existsSync(join(library.dataDir, 'uploads', id)))).toBe(true);
    // A file that is not an image is refused by search.image with a clear message.
    const junk = await post(Buffer.from('definitely not a jpeg'), { 'content-type': 'image/jpeg' });
    const junkId = (JSON.parse(junk.body.toString()) as { result: { upload: string } }).result.upload;
    const refused = await api('search.image', { upload: junkId });
    expect(refused).toMatchObject({ status: 400, json: { error: { code: 'bad-request' } } });
    expect(refused.json.error?.message).toMatch(/not an image/);
    // And never a path.
    expect(await api('search.image', { path: outside[0]?.path })).toMatchObject({ status: 400 });
  });

  it('takes a few uploads at a time, and caps the event streams', async () => {
    // Uploads that send their headers and then hold: the next one past the cap is refused.
    const held = Array.from({ length: MAX_CONCURRENT_UPLOADS }, () => {
      const req = request(`${server.url}/api/upload-image`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', 'content-length': '1000' },
      });
      req.on('error', () => undefined);
      req.write(Buffer.alloc(10));
      return req;
    });
    await new Promise((r) => setTimeout(r, 300));
    const extra = await raw(`${server.url}/api/upload-image`, {
      method: 'POST',
      body: Buffer.alloc(10),
      headers: { 'content-type': 'image/jpeg' },
    }).catch((err: unknown) => ({ status: (err as NodeJS.ErrnoException).code }));
    expect(extra.status).toBe(503);
    for (const req of held) req.destroy();
    await new Promise((r) => setTimeout(r, 300));

    const streams = Array.from({ length: MAX_EVENT_STREAMS }, () => {
      const req = request(`${server.url}/api/events`);
      req.on('error', () => undefined);
      req.end();
      return req;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await raw(`${server.url}/api/events`)).status).toBe(503);
    for (const req of streams) req.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const again = await new Promise<number>((resolve) => {
      const req = request(`${server.url}/api/events`, (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.end();
    });
    expect(again).toBe(200);
  });

  it('refuses Host headers that only look like loopback (DNS rebinding)', async () => {
    for (const host of [
      'evil.example:80',
      '127.0.0.1.evil.example',
      '127.attacker.example',
      'localhost.evil',
      '127.0.0.1@evil.example',
      '127.0.0.1:8765@evil.example',
      'localhost:80/x',
    ]) {
      const r = await raw(`${server.url}/api/library.status`, {
        method: 'POST',
        body: {},
        headers: { ...JSON_TYPE, host },
      });
      expect(r.status, host).toBe(403);
      const media = await raw(`${server.url}/media/thumb/1`, { headers: { host } });
      expect(media.status, host).toBe(403);
    }
    const upload = await raw(`${server.url}/api/upload-image`, {
      method: 'POST',
      body: Buffer.from('x'),
      headers: { host: '127.0.0.1.evil.example', 'content-type': 'image/png' },
    });
    expect(upload.status).toBe(403);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].map(
      (h) => `${h}:${new URL(server.url).port}`,
    ))
      expect((await api('library.status', {}, { host })).status, host).toBe(200);
  });

  it('refuses what another site asks for, and API calls that are not JSON', async () => {
    const own = server.url;
    const foreign = [
      { origin: 'http://evil.example' },
      { origin: 'http://127.0.0.1:1' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    const caption = library.tags.caption(1)?.text ?? null;
    for (const headers of foreign) {
      const r = await api('captions.set', { photoId: 1, text: 'pwned' }, headers);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      const img = await raw(`${own}/media/thumb/1`, { headers });
      expect(img.status, JSON.stringify(headers)).toBe(403);
    }
    // A "simple" request (text/plain, as a form or a no-cors fetch sends it) changes nothing either.
    const plain = await raw(`${own}/api/captions.set`, {
      method: 'POST',
      body: { photoId: 1, text: 'pwned' },
      headers: { 'content-type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    const form = await raw(`${own}/api/captions.set`, {
      method: 'POST',
      body: Buffer.from('photoId=1&text=pwned'),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(library.tags.caption(1)?.text ?? null).toBe(caption);
    // Our own page, and tools that are not browsers, get through.
    expect((await api('library.status', {}, { origin: own, 'sec-fetch-site': 'same-origin' })).status).toBe(
      200,
    );
    expect((await raw(`${own}/media/thumb/1`, { headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(
      200,
    );
  });

  it('refuses a library folder that is not a real, absolute, non-system folder', async () => {
    for (const path of [
      '/',
      '/proc',
      '/sys',
      '/dev',
      '/etc',
      'relative/photos',
      join(root, 'missing'),
      photos[0]?.path ?? '',
    ])
      expect((await api('library.addFolder', { path })).status, path).toBe(400);
    expect((await api('library.addFolder', { path: '/proc' })).json.error?.message).toMatch(/system folder/);
    expect((await api('library.addFolder', { path: 'photos' })).json.error?.message).toMatch(/absolute path/);
    expect((await api('library.status', {})).json.result).toMatchObject({ folders: [photosDir] });
  });

  it('needs a token beyond loopback: the header, or the cookie a token visit sets, never the query', async () => {
    expect(() => {
      checkServeConfig('0.0.0.0', null);
    }).toThrow(/give a token/);
    expect(() => {
      checkServeConfig('127.evil.example', null);
    }).toThrow(/give a token/);
    expect(() => {
      checkServeConfig('0.0.0.0', 'short');
    }).toThrow(/at least 16/);
    const token = 'a-long-enough-secret-token';
    const guarded = await startServer({ engine, host: '127.0.0.1', token, rendererDir: null });
    const bearer = { authorization: `Bearer ${token}` };
    try {
      const call = (headers: Record<string, string>, query = '') =>
        raw(`${guarded.url}/api/library.status${query}`, {
          method: 'POST',
          body: {},
          headers: { ...JSON_TYPE, ...headers },
        });
      expect((await call({})).status).toBe(401);
      expect((await call(bearer)).status).toBe(200);
      // The query string is not a way in for the API or media.
      expect((await call({}, `?token=${token}`)).status).toBe(401);
      expect((await raw(`${guarded.url}/media/thumb/1?token=${token}`)).status).toBe(401);
      // A visit with the token sets an HttpOnly, SameSite=Strict cookie and sends the browser on
      // without the token in the address.
      const visit = await raw(`${guarded.url}/library?view=grid&token=${token}`);
      expect(visit.status).toBe(303);
      expect(visit.headers.location).toBe('/library?view=grid');
      const cookie = String(visit.headers['set-cookie']);
      expect(cookie).toMatch(/^lumen_token=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
      const jar = { cookie: cookie.split(';')[0] ?? '' };
      expect((await call(jar)).status).toBe(200);
      expect((await raw(`${guarded.url}/media/thumb/1`, { headers: jar })).status).toBe(200);
      expect((await raw(`${guarded.url}/library?token=wrong-token-wrong-token`)).status).toBe(401);
      expect((await call({ cookie: 'lumen_token=wrong-token-wrong-token' })).status).toBe(401);
      const image = { 'content-type': 'image/png' };
      const png = readFileSync(photos[0]?.path ?? '');
      expect(
        (await raw(`${guarded.url}/api/upload-image`, { method: 'POST', body: png, headers: image })).status,
      ).toBe(401);
      const sent = await raw(`${guarded.url}/api/upload-image`, {
        method: 'POST',
        body: png,
        headers: { ...image, ...bearer },
      });
      expect(sent.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
