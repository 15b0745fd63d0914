// `lumen serve` attacked from a real browser, as a web page the user happens to visit would do it:
// Chromium opens a page served from a second loopback port (another origin) that posts to the API
// with text/plain (a no-cors fetch needs no CORS preflight), submits a text/plain form to it, tries a
// JSON call and embeds a thumbnail. Nothing of the library changes and nothing is read. Then the UI in
// token mode, in the same browser: the token becomes a cookie, leaves the address bar, and the UI works.
/// <reference lib="dom" />

import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhotoFolder } from '../../scripts/shapes/photo-folder.js';
import { HAS_CHROMIUM, startUi, type Ui } from '../support/ui-harness.js';

/** The attacker's page: every way a cross-site page can send a request without CORS's consent. */
function attackPage(target: string, photoId: number, folder: string, drop: string): string {
  const json = (v: unknown): string => JSON.stringify(JSON.stringify(v));
  // A text/plain form posts "name=value": the name carries JSON up to the caption, the value closes it.
  const formName = JSON.stringify({ photoId, text: 'pwned by a form' }).slice(0, -2);
  return `<!doctype html><html><body>
<form id="form" method="POST" enctype="text/plain" action="${target}/api/captions.set">
  <input name='${formName}' value='"}'>
</form>
<img id="thumb" src="${target}/media/thumb/${photoId}">
<script>
  const results = (window.results = {});
  const img = document.getElementById('thumb');
  img.onload = () => { results.thumb = 'loaded'; };
  img.onerror = () => { results.thumb = 'blocked'; };
  const send = (method, body) =>
    fetch('${target}/api/' + method, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body })
      .then(() => 'sent', () => 'failed');
  Promise.all([
    send('captions.set', ${json({ photoId, text: 'pwned' })}),
    send('library.removeFolder', ${json({ path: folder })}),
    send('settings.set', ${json({ xmpSidecars: true })}),
    send('tags.add', ${json({ name: 'attacker' })}),
    send('photos.copy', ${json({ photoIds: [photoId], folder: drop })}),
    send('photos.trash', ${json({ photoIds: [photoId] })}),
    fetch('${target}/api/library.suggestFolders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: ${json({ typed: '/' })} })
      .then((r) => r.text()).then((t) => 'read: ' + t, () => 'unreadable'),
    fetch('${target}/api/library.status', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      .then((r) => r.text()).then((t) => 'read: ' + t, () => 'unreadable'),
  ]).then((r) => {
    results.fetches = r;
    window.__done = true;
  });
</script></body></html>`;
}

describe.skipIf(!HAS_CHROMIUM)('lumen serve against a page on another origin, in Chromium', () => {
  let ui: Ui;
  let attacker: Server;
  let attackerUrl = '';
  let photosDir = '';
  let photoId = 0;
  /** Where the attacker asks for the library's photos to be copied. */
  let dropDir = '';
  const api = async <T>(method: string, params: unknown = {}): Promise<T> => {
    const res = await fetch(`${ui.url}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    return ((await res.json()) as { result: T }).result;
  };

  beforeAll(async () => {
    ui = await startUi();
    photosDir = join(ui.root, 'photos');
    await generatePhotoFolder(photosDir, { count: 6, seed: 701, formats: ['jpeg'] });
    await api('library.addFolder', { path: photosDir });
    await api('index.start');
    for (let i = 0; i < 300; i++) {
      const s = await api<{ indexed: number }>('library.status');
      if (s.indexed === 6) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    photoId = (await api<{ ids: number[] }>('photos.timeline')).ids[0] ?? 0;
    dropDir = join(ui.root, 'attacker-drop');
    mkdirSync(dropDir);
    await api('captions.set', { photoId, text: 'my caption' });
    attacker = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(attackPage(ui.url, photoId, photosDir, dropDir));
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  }, 300_000);

  afterAll(async () => {
    attacker.close();
    await ui.close();
  });

  it('changes nothing and reads nothing for a cross-origin fetch, form or image', async () => {
    const page = await ui.browser.newPage();
    await page.goto(attackerUrl);
    await page.waitForFunction(() => (window as unknown as { __done?: boolean }).__done === true);
    const results = await page.evaluate(() => (window as unknown as { results?: unknown }).results);
    // The form, submitted last, navigates the page to the API's answer.
    await page.evaluate(() => {
      (document.getElementById('form') as HTMLFormElement).submit();
    });
    await page.waitForURL(/\/api\/captions\.set$/);
    const answer = await page.textContent('body');
    await page.close();

    // Nothing changed: the folder (and its photos), the caption, the settings, the categories.
    expect((await api<{ folders: string[] }>('library.status')).folders).toEqual([photosDir]);
    expect((await api<{ caption: string | null }>('photos.get', { id: photoId })).caption).toBe('my caption');
    expect((await api<{ xmpSidecars: boolean }>('settings.get')).xmpSidecars).toBe(false);
    expect(await api<unknown[]>('tags.list')).toEqual([]);
    expect(readdirSync(dropDir)).toEqual([]);
    // The photo was not moved to the trash: its file is where it was, and the library still has it.
    const { path } = await api<{ path: string }>('photos.get', { id: photoId });
    expect(existsSync(path)).toBe(true);
    expect((await api<{ indexed: number }>('library.status')).indexed).toBe(6);
    // Nothing was read, and the form got a refusal.
    expect(JSON.stringify(results)).not.toContain('read: ');
    expect(answer).toMatch(/refused/);
  });

  it("does not let another site embed the library's thumbnails", async () => {
    const page = await ui.browser.newPage();
    await page.goto(attackerUrl);
    await page.waitForFunction(() => {
      const img = document.getElementById('thumb') as HTMLImageElement | null;
      return img !== null && img.complete;
    });
    const width = await page.evaluate(
      () => (document.getElementById('thumb') as HTMLImageElement).naturalWidth,
    );
    await page.close();
    expect(width).toBe(0);
  });
});

describe.skipIf(!HAS_CHROMIUM)('the UI in token mode, in Chromium', () => {
  const token = 'a-token-for-the-e2e-test-0123456789';
  let ui: Ui;
  beforeAll(async () => {
    ui = await startUi({ token });
  }, 300_000);
  afterAll(async () => {
    await ui.close();
  });

  it('loads from the printed address, keeps the token out of the address bar, and works', async () => {
    const { page } = ui;
    await page.locator('[data-testid="library-counts"]').waitFor();
    expect(page.url()).not.toContain('token');
    expect(page.url()).toBe(`${ui.url}/`);
    const photosDir = join(ui.root, 'photos');
    await generatePhotoFolder(photosDir, { count: 3, seed: 702, formats: ['jpeg'] });
    await page.fill('#folder-path', photosDir);
    await page.click('[data-testid="add-folder"]');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="library-counts"]')?.textContent.includes('3 photos'),
      undefined,
      { timeout: 60_000 },
    );
    const cell = page.locator('[data-testid="library-grid"] [data-photo-id] img').first();
    await cell.waitFor();
    await expect
      .poll(() => cell.evaluate((img) => (img as HTMLImageElement).naturalWidth))
      .toBeGreaterThan(0);
    // The token is in an HttpOnly cookie: the page's script cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await ui.shot('token-01-library');
    // A browser without the cookie gets nothing.
    const stranger = await ui.browser.newPage();
    const res = await stranger.goto(`${ui.url}/`);
    expect(res?.status()).toBe(401);
    await stranger.close();
  });
});
