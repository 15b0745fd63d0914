// The lumen:// protocol: which URLs name which files (only the built renderer and, through the engine,
// library media), refusing every way out of dist/renderer, and the responses built from that.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { MediaFile } from '../../electron/engine/media-paths.js';
import { handleProtocolRequest, routeProtocolRequest } from '../../electron/main/protocol.js';
import { tempDir } from '../support/temp.js';

const root = tempDir();
const renderer = join(root, 'renderer');
mkdirSync(join(renderer, 'assets'), { recursive: true });
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lumen</title>');
writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(root, 'secret.txt'), 'not for the page');
symlinkSync(join(root, 'secret.txt'), join(renderer, 'leak.txt'));
symlinkSync(root, join(renderer, 'up'));
// A sibling whose name starts with the renderer folder's: must not count as inside it.
mkdirSync(join(root, 'renderer-evil'));
writeFileSync(join(root, 'renderer-evil', 'x.js'), 'evil');
const photo = join(root, 'photo.jpg');
writeFileSync(photo, Buffer.from([0xff, 0xd8, 0xff, 0xd9]));

const route = (url: string) => routeProtocolRequest(url, renderer);

describe('routeProtocolRequest', () => {
  it('serves the built renderer from lumen://app/', () => {
    for (const url of ['lumen://app/', 'lumen://app', 'lumen://app/index.html'])
      expect(route(url)).toMatchObject({
        kind: 'app',
        file: expect.stringMatching(/index\.html$/) as string,
      });
    expect(route('lumen://app/assets/app.js')).toMatchObject({
      kind: 'app',
      file: expect.stringMatching(/assets[/\\]app\.js$/) as string,
    });
    expect(route('lumen://app/index.html?x=1#top')).toMatchObject({ kind: 'app' });
  });

  it('answers a client-side route with index.html and a missing asset with not-found', () => {
    expect(route('lumen://app/search/beach')).toMatchObject({
      kind: 'app',
      file: expect.stringMatching(/index\.html$/) as string,
    });
    expect(route('lumen://app/assets/missing.js')).toEqual({ kind: 'not-found' });
    expect(routeProtocolRequest('lumen://app/', join(root, 'no-such-dir'))).toEqual({ kind: 'not-found' });
  });

  it.each([
    'lumen://app/../../etc/passwd',
    'lumen://app/../secret.txt',
    'lumen://app/assets/../../secret.txt',
    'lumen://app/%2e%2e/%2e%2e/etc/passwd',
    'lumen://app/%2E%2E/secret.txt',
    'lumen://app/.%2e/secret.txt',
    'lumen://app/%2e./secret.txt',
    'lumen://app/..%2f..%2fetc%2fpasswd',
    'lumen://app/%2e%2e%2fsecret.txt',
    'lumen://app/assets%2f..%2f..%2fsecret.txt',
    'lumen://app/..\\..\\etc\\passwd',
    'lumen://app/assets\\app.js',
    'lumen://app/%2e%2e%5csecret.txt',
    'lumen://app/%5cetc%5cpasswd',
  ])('refuses the traversal %s', (url) => {
    expect(route(url)).toMatchObject({ kind: 'forbidden' });
  });

  it.each([
    'lumen://app//etc/passwd',
    'lumen://app/%2fetc%2fpasswd',
    'lumen://app/C:/Windows/win.ini',
    'lumen://app/C%3A%5CWindows%5Cwin.ini',
    'lumen://app/index.html%00.js',
    `lumen://app/${encodeURIComponent(join(root, 'secret.txt'))}`,
  ])('refuses the absolute or odd path %s', (url) => {
    expect(route(url)).toMatchObject({ kind: 'forbidden' });
  });

  it('refuses symlinks that lead out of the renderer folder', () => {
    expect(route('lumen://app/leak.txt')).toMatchObject({ kind: 'forbidden' });
    expect(route('lumen://app/up/secret.txt')).toMatchObject({ kind: 'forbidden' });
    expect(route('lumen://app/up/renderer-evil/x.js')).toMatchObject({ kind: 'forbidden' });
  });

  it.each([
    'lumen://evil/index.html',
    'lumen://app.evil/index.html',
    'lumen://user:pw@app/index.html',
    'lumen://app:8080/index.html',
    'lumen:///etc/passwd',
    'file:///etc/passwd',
    'https://app/index.html',
    'http://localhost/index.html',
    'not a url',
  ])('refuses other schemes, hosts and authorities: %s', (url) => {
    expect(route(url)).toMatchObject({ kind: 'forbidden' });
  });

  it('names media by kind and id only', () => {
    expect(route('lumen://media/thumb/12')).toEqual({ kind: 'media', media: 'thumb', id: 12 });
    expect(route('lumen://media/photo/7?v=2')).toEqual({ kind: 'media', media: 'photo', id: 7 });
    for (const url of [
      'lumen://media/photo/0',
      'lumen://media/photo/-1',
      'lumen://media/photo/1.5',
      'lumen://media/video/1',
      'lumen://media/photo/1/extra',
      'lumen://media/../app/index.html',
      'lumen://media/photo/%2e%2e',
      `lumen://media/photo/${encodeURIComponent(photo)}`,
      'lumen://media/photo/99999999999999999999',
    ])
      expect(route(url), url).toMatchObject({ kind: 'forbidden' });
  });
});

describe('handleProtocolRequest', () => {
  const media = new Map<number, MediaFile>([[3, { path: photo, contentType: 'image/jpeg' }]]);
  const deps = {
    rendererDir: renderer,
    resolveMedia: vi.fn((_kind: string, id: number) => Promise.resolve(media.get(id) ?? null)),
    onRefused: vi.fn(),
  };
  const get = (url: string, method = 'GET') => handleProtocolRequest(new Request(url, { method }), deps);

  it('serves app files with the content security policy', async () => {
    const res = await get('lumen://app/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Lumen</title>');
    const js = await get('lumen://app/assets/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('streams media the engine resolved, and 404s what it did not', async () => {
    const res = await get('lumen://media/photo/3');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('content-length')).toBe('4');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    expect(deps.resolveMedia).toHaveBeenCalledWith('photo', 3);
    expect((await get('lumen://media/thumb/4')).status).toBe(404);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('lumen://media/photo/3', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
    expect((await get('lumen://app/', 'POST')).status).toBe(405);
  });

  it('refuses forbidden URLs with 403 and reports them', async () => {
    for (const url of ['lumen://app/..%2fsecret.txt', 'lumen://app/leak.txt', 'lumen://other/x']) {
      const res = await get(url);
      expect(res.status, url).toBe(403);
      expect(await res.text()).not.toContain('not for the page');
    }
    expect(deps.onRefused).toHaveBeenCalledWith('lumen://app/leak.txt', 'outside the renderer');
  });

  it('never serves a file outside the renderer even after URL normalization', async () => {
    // Request (like Chromium) resolves dot segments first: lumen://app/secret.txt is simply not there.
    for (const url of ['lumen://app/%2e%2e/secret.txt', 'lumen://app/../../secret.txt']) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text()).not.toContain('not for the page');
    }
  });

  it('says 503 when the engine cannot be asked', async () => {
    const res = await handleProtocolRequest(new Request('lumen://media/thumb/1'), {
      ...deps,
      resolveMedia: () => Promise.reject(new Error('the engine stopped')),
    });
    expect(res.status).toBe(503);
  });
});
