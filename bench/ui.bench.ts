// UI benchmark: the browser UI (Chromium, playwright-core) over `lumen serve`'s HTTP server on a
// synthetic 100k-photo library with the full-size random ViT-B/32. Measures, each beside a baseline
// taken in the same process:
//   1. start to a usable grid: from the page's navigation until the library grid's first photos are in
//      the DOM (timed in the page, not by the page's load event, which also waits for every thumbnail
//      on screen), against the bare API round trip for the same timeline (fetch + JSON parse in the page);
//   2. search to results: Enter in the search box until the result grid shows, against the bare
//      search.text API call from the page;
//   3. scrolling the virtualised grid: frame times and DOM size, smoothly and in jumps across it all.
// Usage: npm run bench:ui   (LUMEN_BENCH_UI_SIZE=100000 by default)
/// <reference lib="dom" />

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ClipModel } from '../electron/core/clip/clip-model.js';
import { Library } from '../electron/core/library/library.js';
import { EngineHolder } from '../electron/engine/engine-host.js';
import { startServer } from '../electron/engine/http-server.js';
import { BENCH_CACHE, BENCH_MODEL_DIR, requireBenchModel } from './support/bench-model.js';
import { syntheticLibrary } from './support/synthetic-library.js';

const N = Number(process.env.LUMEN_BENCH_UI_SIZE ?? 100_000);
const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

requireBenchModel('vision_model_quantized.onnx');
const model = ClipModel.open(BENCH_MODEL_DIR, { precision: 'quantized', providers: ['cpu'] });
const dir = join(BENCH_CACHE, `bench-ui-${N}`);
mkdirSync(dir, { recursive: true });
const synthetic = syntheticLibrary(dir, N, model);
const library = await Library.load({ dbPath: synthetic.dbPath, model });
// Served as `lumen serve` serves it: through the engine host, with this library's model configured.
const engine = await EngineHolder.start({
  configured: () => ({ dir: BENCH_MODEL_DIR, variant: 'quantized' }),
  open: () => Promise.resolve(library),
});
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

// In the page, from its navigation: when the first photo cell enters the DOM. (The synthetic library
// has no thumbnail files, so when thumbnails show is not measured here.)
await page.addInitScript(() => {
  const w = window as unknown as { firstCell?: number };
  new MutationObserver(() => {
    if (w.firstCell === undefined && document.querySelector('[data-testid="library-grid"] [data-photo-id]'))
      w.firstCell = performance.now();
  }).observe(document, { subtree: true, childList: true });
});
const loadUi: number[] = [];
const loadApi: number[] = [];
for (let r = 0; r < RUNS; r++) {
  await page.goto(server.url, { waitUntil: 'commit' });
  await page.waitForFunction(
    () => (window as unknown as { firstCell?: number }).firstCell !== undefined,
    undefined,
    {
      timeout: 120_000,
    },
  );
  const marks = await page.evaluate(() => {
    return { firstCell: (window as unknown as { firstCell: number }).firstCell };
  });
  loadUi.push(marks.firstCell);
  loadApi.push(
    await page.evaluate(async () => {
      const t = performance.now();
      const res = await fetch('api/photos.timeline', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      const json = (await res.json()) as { result: { ids: number[] } };
      if (json.result.ids.length === 0) throw new Error('empty timeline');
      return performance.now() - t;
    }),
  );
}
const cells = await page.locator('[data-photo-id]').count();
console.log(
  `1. start to usable grid: ${median(loadUi).toFixed(0)} ms from navigation to the first photos in the grid (page, app.state, timeline, first rows); bare timeline API ${median(loadApi).toFixed(0)} ms; ratio ${(median(loadUi) / median(loadApi)).toFixed(2)}; ${cells} cells in the DOM`,
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
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: q, limit: 500 }),
      });
      await res.json();
      return performance.now() - t;
    }, `${query} api`),
  );
  await page.fill('#search-input', query);
  // Timed inside the page, from the Enter keypress to the first result painted in the grid, so the
  // figure is what a user waits for, not the round trips of the browser automation.
  searchUi.push(
    await page.evaluate(async () => {
      const input = document.getElementById('search-input');
      if (!(input instanceof HTMLInputElement) || !input.form) throw new Error('no search box');
      const t = performance.now();
      input.form.requestSubmit();
      for (;;) {
        await new Promise<void>((r) =>
          requestAnimationFrame(() => {
            r();
          }),
        );
        if (document.querySelector('[data-testid="search-grid"] [data-photo-id]')) break;
      }
      return performance.now() - t;
    }),
  );
  await page.click('nav button:has-text("Library")');
}
console.log(
  `2. search to results: ${median(searchUi).toFixed(0)} ms in the UI (Enter to grid); bare search.text API ${median(searchApi).toFixed(0)} ms; ratio ${(median(searchUi) / median(searchApi)).toFixed(2)}`,
);

await page.locator(firstCell).first().waitFor();
/** Frame times while the grid scrolls by `step` px per frame (a fraction of its height when < 1). */
async function scrollFrames(step: number, frames: number) {
  return page.evaluate(
    async ({ step, frames }) => {
      const el = document.querySelector('[data-testid="library-grid"] [role="grid"]');
      if (!(el instanceof HTMLElement)) throw new Error('no grid');
      const px = step < 1 ? el.scrollHeight * step : step;
      const times: number[] = [];
      let maxNodes = 0;
      // No named helpers in here: tsx would wrap them in a __name() the page does not have.
      await new Promise<void>((r) =>
        requestAnimationFrame(() => {
          r();
        }),
      );
      let last = performance.now();
      for (let i = 1; i <= frames; i++) {
        el.scrollTop = i * px;
        await new Promise<void>((r) =>
          requestAnimationFrame(() => {
            r();
          }),
        );
        const now = performance.now();
        times.push(now - last);
        last = now;
        maxNodes = Math.max(maxNodes, el.querySelectorAll('[data-photo-id]').length);
      }
      times.sort((a, b) => a - b);
      return {
        p50: times[Math.floor(0.5 * times.length)] ?? NaN,
        p95: times[Math.floor(0.95 * times.length)] ?? NaN,
        max: times.at(-1) ?? NaN,
        maxNodes,
        height: el.scrollHeight,
      };
    },
    { step, frames },
  );
}
const smooth = await scrollFrames(40, 300);
console.log(
  `3. scrolling smoothly (40 px a frame, 300 frames): frame p50 ${smooth.p50.toFixed(1)} ms, p95 ${smooth.p95.toFixed(1)} ms, max ${smooth.max.toFixed(1)} ms; at most ${smooth.maxNodes} thumbnails in the DOM (of ${N.toLocaleString()}); 16.7 ms = 60 fps`,
);
const jumps = await scrollFrames(1 / 300, 299);
console.log(
  `4. jumping through the whole grid (${(jumps.height / 1e6).toFixed(1)} Mpx tall) in 300 jumps, every frame all new rows: frame p50 ${jumps.p50.toFixed(1)} ms, p95 ${jumps.p95.toFixed(1)} ms, max ${jumps.max.toFixed(1)} ms`,
);

await browser.close();
await server.close();
// Stops the engine's watcher and jobs, then closes the library (closing the library first left the
// watcher's poll to fire on a closed database).
await engine.close();
await model.dispose();
