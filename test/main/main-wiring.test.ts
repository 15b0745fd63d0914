// The desktop app's main process as built (dist/electron/main/main.js), wired to a fake `electron`
// (test/support/fake-electron): Electron's binary cannot be downloaded here, so this checks main.ts's
// wiring - the window it opens, the lumen:// handler, the IPC handlers, the session's hooks - with the
// real engine in a real child process on the test model, not what Chromium does with them.
// dist/electron is built by `npm ci` (the prepare script); it is rebuilt here when a source is newer.

import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Note } from '../support/fake-electron/electron.js';
import { FakeElectronApp } from '../support/fake-electron/driver.js';
import { REPO_ROOT, TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const MAIN = join(REPO_ROOT, 'dist', 'electron', 'main', 'main.js');
const INDEX_HTML = join(REPO_ROOT, 'dist', 'renderer', 'index.html');
const APP_URL = 'lumen://app/index.html';
/** better-sqlite3 as built for this Node (the app would pass the one built for Electron). */
const NODE_SQLITE = join(
  dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')),
  'build',
  'Release',
  'better_sqlite3.node',
);

/** Sources whose dist/electron output is missing or older (the preload is bundled by esbuild instead). */
function staleOutputs(): string[] {
  const built = statSync(join(REPO_ROOT, 'tsconfig.build.json')).mtimeMs;
  const src = join(REPO_ROOT, 'electron');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('preload'))
    .filter((f) => {
      try {
        const out = statSync(join(REPO_ROOT, 'dist', 'electron', f.replace(/\.ts$/, '.js'))).mtimeMs;
        return out < statSync(join(src, f)).mtimeMs || out < built;
      } catch {
        return true;
      }
    });
}

interface State {
  name: string;
  sandboxed: boolean;
  privilegedSchemes: { scheme: string; privileges: Record<string, boolean> }[];
  protocolSchemes: string[];
  ipcChannels: string[];
  windows: { id: number; options: { webPreferences: Record<string, unknown> }; url: string | null }[];
}

interface Served {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

const isCall = (n: Note): boolean =>
  n.type === 'to-engine' && (n.message as { type?: string } | null)?.type === 'call';

describe('the main process, wired to a fake electron', () => {
  const home = tempDir('lumen-main-');
  const photos = join(home, 'photos');
  let app: FakeElectronApp;

  const serve = (url: string, method = 'GET') => app.request<Served>({ op: 'protocol', url, method });
  const call = (payload: unknown, frameUrl = APP_URL) =>
    app.request<Reply>({ op: 'invoke', channel: 'lumen:call', args: [payload], frameUrl });
  const result = async (method: string, params: unknown = {}): Promise<unknown> => {
    const reply = await call({ method, params });
    if (!reply.ok) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
    return reply.result;
  };
  const event = (name: string, test: (data: unknown) => boolean = () => true, from = 0) =>
    app.waitFor(
      'send',
      (n) => {
        const message = n.args[0] as { event: string; data: unknown };
        return n.channel === 'lumen:event' && message.event === name && test(message.data);
      },
      { from },
    );

  beforeAll(async () => {
    if (staleOutputs().length > 0)
      await promisify(execFile)(
        process.execPath,
        [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
        { cwd: REPO_ROOT },
      );
    expect(staleOutputs(), 'dist/electron is up to date').toEqual([]);
    expect(statSync(INDEX_HTML).isFile(), 'the renderer is built (npm test runs vite build)').toBe(true);

    mkdirSync(photos);
    for (const [name, background] of [
      ['red.jpg', '#d02020'],
      ['blue.jpg', '#2040d0'],
    ] as const)
      await sharp({ create: { width: 96, height: 64, channels: 3, background } })
        .jpeg()
        .toFile(join(photos, name));

    app = FakeElectronApp.start({
      main: MAIN,
      appPath: REPO_ROOT,
      env: {
        ...process.env,
        LUMEN_HOME: home,
        LUMEN_MODEL: TEST_MODEL_DIR,
        LUMEN_SQLITE_BINDING: NODE_SQLITE,
      },
    });
    await app.waitFor('show');
    await app.waitFor('fork');
  });

  afterAll(() => {
    app.kill();
  });

  it('opens one sandboxed, context-isolated window without Node on lumen://app', async () => {
    const state = await app.request<State>({ op: 'state' });
    expect(state.name).toBe('Lumen');
    expect(state.sandboxed).toBe(true);
    expect(state.privilegedSchemes).toEqual([
      { scheme: 'lumen', privileges: expect.objectContaining({ standard: true, secure: true }) as unknown },
    ]);
    expect(state.protocolSchemes).toEqual(['lumen']);
    expect(state.ipcChannels.sort()).toEqual(['lumen:call', 'lumen:choose-folder', 'lumen:import-image']);

    expect(state.windows).toHaveLength(1);
    const [win] = state.windows;
    expect(win?.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      preload: join(REPO_ROOT, 'dist', 'preload', 'preload.cjs'),
    });
    expect(win?.url).toMatch(/^lumen:\/\/app\//);
    expect(app.all('load').map((n) => n.url)).toEqual([APP_URL]);

    const [engine] = app.all('fork');
    expect(engine?.modulePath).toBe(join(REPO_ROOT, 'dist', 'electron', 'engine', 'utility-entry.js'));
    expect(engine?.options).toMatchObject({ env: { LUMEN_SQLITE_BINDING: NODE_SQLITE } });
    expect(app.all('dialog')).toEqual([]);
  });

  it('serves the built UI over lumen:// with its CSP, and nothing outside it', async () => {
    const text = (r: Served) => Buffer.from(r.body).toString('utf8');
    const index = readFileSync(INDEX_HTML, 'utf8');
    for (const url of ['lumen://app/', APP_URL]) {
      const page = await serve(url);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).toContain("object-src 'none'");
      expect(text(page)).toBe(index);
    }

    // The URL parser already folds "..", so these reach the handler as lumen://app/etc/passwd (a
    // client-side route: index.html); the encoded separators reach it as they are and are refused.
    const passwd = 'lumen://app/../../etc/passwd';
    expect(text(await serve(passwd))).toBe(index);
    expect(text(await serve('lumen://app/%2e%2e/%2e%2e/etc/passwd'))).toBe(index);
    for (const url of [
      'lumen://app/..%2f..%2fetc%2fpasswd',
      'lumen://app/%2e%2e%5c%2e%2e%5cetc%5cpasswd',
      'lumen://app/assets%2f..%2f..%2f..%2fpackage.json',
      'lumen://media/..%2f..%2fetc%2fpasswd',
      'lumen://elsewhere/index.html',
      'lumen://app:8080/index.html',
      'file:///etc/passwd',
    ]) {
      const refused = await serve(url);
      expect(refused.status, url).toBe(403);
      expect(text(refused), url).toBe('forbidden');
    }
    expect((await serve(APP_URL, 'POST')).status).toBe(405);

    // The session lets through only the app's scheme (and inline data): no file://, no network.
    const cancel = async (url: string) =>
      (await app.request<{ cancel: boolean }>({ op: 'web-request', url })).cancel;
    expect(await cancel(APP_URL)).toBe(false);
    expect(await cancel('lumen://media/thumb/1')).toBe(false);
    expect(await cancel('data:image/png;base64,AAAA')).toBe(false);
    for (const url of ['file:///etc/passwd', 'https://example.com/', 'http://127.0.0.1:8765/api'])
      expect(await cancel(url), url).toBe(true);
  });

  it('keeps the window on the app: navigation, redirects, new windows and permissions', async () => {
    const navigate = async (event: 'will-navigate' | 'will-redirect', url: string) =>
      (await app.request<{ prevented: boolean }>({ op: 'navigate', event, url })).prevented;
    expect(await navigate('will-navigate', 'lumen://app/settings')).toBe(false);
    expect(await navigate('will-navigate', 'https://example.com/help')).toBe(true);
    expect(await navigate('will-navigate', 'https://huggingface.co/Xenova/clip-vit-base-patch32')).toBe(true);
    expect(await navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(await navigate('will-redirect', 'https://example.com/')).toBe(true);
    expect(await app.request({ op: 'open-window', url: 'https://example.com/docs' })).toEqual({
      action: 'deny',
    });
    expect(await app.request({ op: 'open-window', url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(await app.request({ op: 'open-window', url: 'https://github.com/openai/CLIP' })).toEqual({
      action: 'deny',
    });
    // Links to the sites the app links to go to the user's browser, never into the app; any other
    // site (a link planted in a caption or a model card) is opened nowhere.
    expect(app.all('open-external').map((n) => n.url)).toEqual([
      'https://huggingface.co/Xenova/clip-vit-base-patch32',
      'https://github.com/openai/CLIP',
    ]);

    expect(await app.request({ op: 'permission', permission: 'media' })).toEqual({
      granted: false,
      checked: false,
    });
    expect(await app.request({ op: 'permission', permission: 'clipboard-sanitized-write' })).toEqual({
      granted: true,
      checked: true,
    });
  });

  it('answers lumen:call from the real engine', async () => {
    expect(await call({ method: 'app.state', params: {} })).toEqual({
      ok: true,
      result: { ready: true, reason: null, switching: null },
    });
    expect(await call({ method: 'library.status', params: {} })).toEqual({
      ok: true,
      result: {
        total: 0,
        indexed: 0,
        pending: 0,
        failed: 0,
        folders: [],
        failures: [],
        damaged: [],
        model: { name: 'lumen/shapes-clip', variant: 'fp32' },
        offline: [],
        skipped: [],
        watch: { state: 'watching', message: null },
      },
    });
    expect(
      app.notes.filter(isCall).map((n) => (n as { message: { method: string } }).message.method),
    ).toEqual(['app.state', 'library.status']);
  });

  it('refuses malformed calls and other senders without reaching the engine', async () => {
    const before = app.notes.filter(isCall).length;
    for (const payload of [
      'library.status',
      null,
      { method: 'library.status', params: {}, extra: true },
      { method: 42, params: {} },
      { method: 'search.text', params: { query: 5 } },
      { method: 'library.addFolder', params: { path: '' } },
    ])
      expect(await call(payload), JSON.stringify(payload)).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
    expect(await call({ method: 'no.such.method', params: {} })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });
    for (const frameUrl of ['https://example.com/', 'file:///tmp/index.html', 'lumen://media/thumb/1'])
      expect(await call({ method: 'library.status', params: {} }, frameUrl), frameUrl).toMatchObject({
        ok: false,
        error: { code: 'bad-request' },
      });
    expect(app.notes.filter(isCall)).toHaveLength(before);

    // The folder picker opens for the app (the fake user cancels), and not at all for anyone else.
    const picker = (frameUrl: string) =>
      app.request({ op: 'invoke', channel: 'lumen:choose-folder', args: [], frameUrl });
    expect(await picker(APP_URL)).toBeNull();
    expect(await picker('https://example.com/')).toBeNull();
    expect(app.all('dialog')).toEqual([{ type: 'dialog', kind: 'open' }]);
  });

  it('forwards engine events to the window and serves library media through the engine', async () => {
    const from = app.notes.length;
    expect(await result('library.addFolder', { path: photos })).toEqual({ ok: true });
    await event('library.changed', (d) => (d as { reason: string }).reason === 'folder added', from);

    expect(await result('index.start')).toEqual({ started: true });
    await event('library.changed', (d) => (d as { reason: string }).reason === 'index finished', from);
    await event('index.progress', () => true, from);
    expect(await result('library.status')).toMatchObject({ total: 2, indexed: 2, folders: [photos] });

    const { ids } = (await result('photos.timeline')) as { ids: number[] };
    expect(ids).toHaveLength(2);
    const id = ids[0] ?? 0;
    const photo = await serve(`lumen://media/photo/${id}`);
    expect(photo.status).toBe(200);
    expect(photo.headers['content-type']).toBe('image/jpeg');
    const { path } = (await result('photos.get', { id })) as { path: string };
    expect(Buffer.from(photo.body).equals(readFileSync(path))).toBe(true);
    const thumb = await serve(`lumen://media/thumb/${id}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect((await sharp(thumb.body).metadata()).format).toBe('webp');
    expect((await serve('lumen://media/photo/999999')).status).toBe(404);
  });

  it('restarts the engine after it is killed, and calls work again', async () => {
    const from = app.notes.length;
    const killed = app.all('fork').at(-1)?.pid ?? 0;
    process.kill(killed, 'SIGKILL');
    expect(await app.waitFor('engine-exit', (n) => n.pid === killed, { from })).toMatchObject({
      signal: 'SIGKILL',
    });
    const restarted = await app.waitFor('fork', (n) => n.pid !== killed, { from });
    expect(restarted.modulePath).toBe(join(REPO_ROOT, 'dist', 'electron', 'engine', 'utility-entry.js'));
    expect(app.output).toMatch(/the engine stopped \(exit code \d+\); restarting in \d+ ms/);

    expect(await result('library.status')).toMatchObject({ total: 2, indexed: 2, folders: [photos] });
    expect(app.notes.slice(from).some((n) => isCall(n) && (n as { pid: number }).pid === restarted.pid)).toBe(
      true,
    );
  });

  it('quits cleanly: the engine closes the library and exits 0, then main exits 0', async () => {
    const from = app.notes.length;
    const engine = app.all('fork').at(-1)?.pid ?? 0;
    await app.request({ op: 'close-window' });
    // Closing the last window quits, except on macOS, where the menu's Quit does.
    if (process.platform === 'darwin') await app.request({ op: 'quit' });
    expect(await app.exited).toEqual({ code: 0, signal: null });

    const after = app.notes.slice(from);
    const types = after.map((n) => n.type);
    expect(after).toContainEqual({ type: 'to-engine', pid: engine, message: { type: 'shutdown' } });
    expect(after).toContainEqual({ type: 'engine-exit', pid: engine, code: 0, signal: null });
    // The first quit waits for the engine; the one after it goes through.
    expect(app.all('before-quit').map((n) => n.prevented)).toEqual([true, false]);
    expect(types.indexOf('engine-exit')).toBeLessThan(types.lastIndexOf('before-quit'));
    expect(app.all('quit')).toEqual([{ type: 'quit', runningEngines: [] }]);
    expect(() => process.kill(engine, 0)).toThrow(/ESRCH/);

    expect(app.all('dialog').filter((n) => n.kind === 'error')).toEqual([]);
    expect(app.output).not.toMatch(/dropped:|Uncaught|unhandled/i);
  });
});
