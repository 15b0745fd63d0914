// UI benchmark: the browser UI (Chromium, playwright-core) over `lumen serve`'s HTTP server on a
// synthetic 100k-photo library with the full-size random ViT-B/32. Measures, each beside a baseline
// taken in the same process:
//   1. start to a usable grid: page load until the first thumbnails of the library grid are in the
//      DOM, against the bare API round trip for the same timeline (fetch + JSON parse in the page);
//   2. search to results: Enter in the search box until the result grid shows, against the bare
//      search.text API call from the page;
//   3. scrolling the virtualised grid through the whole library: frame times and DOM size.
// Usage: npm run bench:ui   (LUMEN_BENCH_UI_SIZE=100000 by default)
/// <reference lib="dom" />

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ClipModel } from '../electron/core/clip/clip-model.js';
import { Library } from '../electron/core/library/library.js';
import { Engine } from '../electron/engine/engine.js';
import { startServer } from '../electron/engine/http-server.js';
import { BENCH_CACHE, BENCH_MODEL_DIR, requireBenchModel } from './support/bench-model.js';
import { syntheticLibrary } from './support/synthetic-library.js';

const N = Number(process.env.LUMEN_BENCH_UI_SIZE ?? 100_000);
const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

requireBenchModel('vision_model_quantized.onnx');
const model = ClipModel.open(BENCH_MODEL_DIR, { precision: 'quantized', providers: ['cpu'] });
const dir = join(BENCH_CACHE, `bench-search-${N}`);
mkdirSync(dir, { recursive: true });
const synthetic = syntheticLibrary(dir, N, model);
const library = await Library.load({ dbPath: synthetic.dbPath, model });
const engine = new Engine(library);
const server = await startServer({
  engine,
  rendererDir: join(import.meta.dirname, '..', 'dist', 'renderer'),
});
const browser = await chromium.launch({
  executablePath: process.env.LUMEN_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
const firstCell = '[data-testid="library-grid"] [data-photo-id]';

console.log(`UI benchmark: ${N.toLocaleString()} photos, Chromium 1280x800, ${RUNS} runs each (median)`);

const loadUi: number[] = [];
const loadApi: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  await page.goto(server.url);
  await page.locator(firstCell).first().waitFor({ timeout: 120_000 });
  loadUi.push(performance.now() - t0);
  loadApi.push(
    await page.evaluate(async () => {
      const t = performance.now();
      const res = await fetch('api/photos.timeline', { method: 'POST', body: '{}' });
      const json = (await res.json()) as { result: { ids: number[] } };
      if (json.result.ids.length === 0) throw new Error('empty timeline');
      return performance.now() - t;
    }),
  );
}
const cells = await page.locator('[data-photo-id]').count();
console.log(
  `1. start to usable grid: ${median(loadUi).toFixed(0)} ms (page load, timeline, first rows); bare timeline API ${median(loadApi).toFixed(0)} ms; ratio ${(median(loadUi) / median(loadApi)).toFixed(2)}; ${cells} cells in the DOM`,
);

const searchUi: number[] = [];
const searchApi: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const query = `kids on a beach at sunset ${r}`;
  searchApi.push(
    await page.evaluate(async (q) => {
      const t = performance.now();
      const res = await fetch('api/search.text', {
        method: 'POST',
        body: JSON.stringify({ query: q, limit: 500 }),
      });
      await res.json();
      return performance.now() - t;
    }, `${query} api`),
  );
  await page.fill('#search-input', query);
  const t0 = performance.now();
  await page.press('#search-input', 'Enter');
  await page.locator('[data-testid="search-grid"] [data-photo-id]').first().waitFor();
  searchUi.push(performance.now() - t0);
  await page.click('nav button:has-text("Library")');
}
console.log(
  `2. search to results: ${median(searchUi).toFixed(0)} ms in the UI (Enter to grid); bare search.text API ${median(searchApi).toFixed(0)} ms; ratio ${(median(searchUi) / median(searchApi)).toFixed(2)}`,
);

await page.locator(firstCell).first().waitFor();
const scroll = await page.evaluate(async () => {
  const el = document.querySelector('[data-testid="library-grid"] [role="grid"]');
  if (!(el instanceof HTMLElement)) throw new Error('no grid');
  const frames: number[] = [];
  let maxNodes = 0;
  let last = performance.now();
  const step = el.scrollHeight / 300;
  for (let i = 0; i < 300; i++) {
    el.scrollTop = i * step;
    await new Promise<void>((r) =>
      requestAnimationFrame(() => {
        r();
      }),
    );
    const now = performance.now();
    frames.push(now - last);
    last = now;
    maxNodes = Math.max(maxNodes, el.querySelectorAll('[data-photo-id]').length);
  }
  frames.sort((a, b) => a - b);
  return {
    p50: frames[150] ?? NaN,
    p95: frames[285] ?? NaN,
    max: frames.at(-1) ?? NaN,
    maxNodes,
    height: el.scrollHeight,
  };
});
console.log(
  `3. scrolling the whole grid (${(scroll.height / 1e6).toFixed(1)} Mpx tall) in 300 jumps: frame p50 ${scroll.p50.toFixed(1)} ms, p95 ${scroll.p95.toFixed(1)} ms, max ${scroll.max.toFixed(1)} ms; at most ${scroll.maxNodes} thumbnails in the DOM (of ${N.toLocaleString()}); 16.7 ms = 60 fps`,
);

await browser.close();
await server.close();
library.close();
await model.dispose();
