// End-to-end harness for the UI: `lumen serve` from source in a child process, on a fresh library
// with the test model (or with none, for the first run), and Debian's Chromium driven by
// playwright-core. Every test saves screenshots under test-results/ui/ (the CI artifacts) so a person
// can look at what the test saw.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT, TEST_MODEL_DIR } from './paths.js';
import { tempDir } from './temp.js';

export const CHROMIUM = process.env.LUMEN_CHROMIUM ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const SHOTS_DIR = join(REPO_ROOT, 'test-results', 'ui');

export interface Ui {
  url: string;
  root: string;
  page: Page;
  browser: Browser;
  /** Saves a full-window screenshot as test-results/ui/<name>.png. */
  shot(name: string): Promise<string>;
  /** Calls serve's API as a script would (POST /api/<method>); throws the error's message. */
  api<T>(method: string, params?: unknown): Promise<T>;
  close(): Promise<void>;
}

export interface UiOptions {
  width?: number;
  height?: number;
  colorScheme?: 'light' | 'dark';
  /** The model folder serve opens (default: the test model); null starts with no model (a first run). */
  model?: string | null;
  /** More environment for serve, e.g. LUMEN_HUB_URL and LUMEN_CATALOGUE for a fake hub. */
  env?: Record<string, string>;
  /** Serve in token mode ($LUMEN_TOKEN); the browser first opens the address with ?token=, as printed. */
  token?: string;
}

/** Starts `lumen serve --port 0` and resolves with the URL it prints. */
function serve(
  root: string,
  options: Pick<UiOptions, 'model' | 'env'>,
): Promise<{ child: ChildProcess; url: string }> {
  const model = options.model === undefined ? TEST_MODEL_DIR : options.model;
  const child = spawn(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [
      join(REPO_ROOT, 'electron', 'cli', 'lumen.ts'),
      'serve',
      '--port',
      '0',
      '--db',
      join(root, 'library', 'library.sqlite'),
      ...(model === null ? [] : ['--model', model]),
    ],
    {
      // The trash too is the test's own: photos a test moves to the trash never reach the machine's.
      env: {
        ...process.env,
        LUMEN_HOME: join(root, 'home'),
        LUMEN_MODEL: '',
        XDG_DATA_HOME: join(root, 'data'),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Lumen is at (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => {
      reject(new Error(`lumen serve exited with ${String(code)}: ${err || out}`));
    });
  });
}

export async function startUi(options: UiOptions = {}): Promise<Ui> {
  if (!existsSync(join(REPO_ROOT, 'dist', 'renderer', 'index.html')))
    throw new Error('the renderer is not built: run `npm run build:renderer` (npm test does it)');
  mkdirSync(SHOTS_DIR, { recursive: true });
  const root = tempDir('lumen-ui-');
  const { child, url } = await serve(root, {
    ...options,
    env: { ...options.env, ...(options.token && { LUMEN_TOKEN: options.token }) },
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(options.token ? `${url}/?token=${encodeURIComponent(options.token)}` : url);
  return {
    url,
    root,
    page,
    browser,
    async api<T>(method: string, params: unknown = {}): Promise<T> {
      const res = await fetch(`${url}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(params),
      });
      const json = (await res.json()) as { result: T; error?: { message: string } };
      if (json.error) throw new Error(json.error.message);
      return json.result;
    },
    async shot(name) {
      const path = join(SHOTS_DIR, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await browser.close();
      child.kill('SIGTERM');
      if (errors.length) throw new Error(`the page logged errors:\n${errors.join('\n')}`);
    },
  };
}
