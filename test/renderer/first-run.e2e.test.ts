// The first run in the UI, as a new user meets it: `lumen serve` with no model at all (a fresh app-data
// folder), its downloads going to a local fake of the Hugging Face Hub ($LUMEN_HUB_URL) with a catalogue
// of the test model ($LUMEN_CATALOGUE). The page shows the first-run panel instead of the views, a
// failed download says why, a download shows its progress bar, and when it is done the normal app
// appears with the library open on the new model. In Settings, a second model (quantized only, so other
// embeddings) is downloaded and used: its photos are indexed in the background with progress while the
// first model stays in use, then it takes over. Screenshots: test-results/ui/first-run-*.png.
/// <reference lib="dom" />

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { generatePhotoFolder } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';
import { HAS_CHROMIUM, startUi, type Ui } from '../support/ui-harness.js';
import { entryFor, FakeHub, hubFilesFrom, modelFilePaths } from '../core/models/fake-hub.js';

/** Photos in the library when the second model is used: enough for its progress to be seen. */
const PHOTOS = 150;

async function waitFor(test: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!HAS_CHROMIUM)('the first run in Chromium, over lumen serve with no model', () => {
  let ui: Ui;
  let hub: FakeHub;

  const api = async <T>(method: string, params: unknown = {}): Promise<T> => {
    const res = await fetch(`${ui.url}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const json = (await res.json()) as { result: T };
    return json.result;
  };

  beforeAll(async () => {
    const files = hubFilesFrom(TEST_MODEL_DIR, modelFilePaths(TEST_MODEL_DIR));
    hub = await FakeHub.start(files);
    const catalogue = join(tempDir('lumen-catalogue-'), 'catalogue.json');
    const copy = entryFor(files, {
      id: 'shapes-clip-copy',
      name: 'Shapes CLIP, a second copy (test)',
      default: false,
      license: 'MIT',
      goodFor: 'The same test model quantized, offered as a second choice.',
    });
    // Quantized only: other embeddings than the default's (its image encoder runs fp32), so using it
    // indexes.
    const other = { ...copy, variants: { quantized: copy.variants.quantized ?? [] } };
    writeFileSync(
      catalogue,
      JSON.stringify({
        version: 1,
        models: [
          entryFor(files, {
            goodFor: 'Coloured shapes: the small model the tests train. Fast on any CPU.',
          }),
          other,
        ],
      }),
    );
    ui = await startUi({ model: null, env: { LUMEN_HUB_URL: hub.url, LUMEN_CATALOGUE: catalogue } });
  }, 300_000);

  afterAll(async () => {
    await ui.close();
    await hub.close();
  });

  it('shows the first-run panel with the default model instead of the views', async () => {
    const { page } = ui;
    const panel = page.locator('[data-testid="first-run"]');
    await panel.waitFor();
    expect(await page.locator('nav[aria-label="Views"]').count()).toBe(0);
    const model = page.locator('[data-testid="first-run-model"]');
    expect(await model.textContent()).toContain('Shapes CLIP (test)');
    expect(await model.textContent()).toContain('MIT');
    expect(await page.locator('[data-testid="first-run-size"]').textContent()).toMatch(/about 3\.\d MB/);
    expect(await api('app.state')).toEqual({ ready: false, reason: 'no model yet', switching: null });
    await ui.shot('first-run-01-welcome');

    // The other catalogue models can be picked; the default stays chosen here.
    await page.click('summary:has-text("Choose another model")');
    await page.locator('label.choice').nth(1).waitFor();
    expect(await page.locator('label.choice').count()).toBe(2);
    await ui.shot('first-run-02-choose');
    await page.click('summary:has-text("Choose another model")');
  });

  it('says clearly why a download failed, and offers it again', async () => {
    const { page } = ui;
    hub.faults.status.set('config.json', { code: 404, times: 1 });
    await page.click('[data-testid="first-run-download"]');
    const error = page.locator('[data-testid="first-run-error"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/config\.json: the hub answered HTTP 404/);
    expect(await page.locator('[data-testid="first-run-download"]').isEnabled()).toBe(true);
    await ui.shot('first-run-03-failed');
  });

  it('downloads with a progress bar, then opens the normal app on the new model', async () => {
    const { page } = ui;
    // A slow line, so the progress bar is on screen long enough to see.
    hub.faults.slow = { chunkBytes: 16 * 1024, pauseMs: 40 };
    await page.click('[data-testid="first-run-download"]');
    const progress = page.locator('[data-testid="model-progress"]');
    await progress.waitFor();
    await page.waitForFunction(() => {
      const bar = document.querySelector<HTMLProgressElement>('[data-testid="model-progress"] progress');
      return bar !== null && bar.max > 1 && bar.value > 100_000;
    });
    expect(await page.locator('[data-testid="first-run-error"]').count()).toBe(0);
    expect(await page.locator('[data-testid="model-progress-bytes"]').textContent()).toMatch(
      /\d+(\.\d)? (KB|MB) of 3\.\d MB · \d+%/,
    );
    expect(await progress.locator('code').textContent()).toMatch(
      /^onnx\/(vision_model|text_model_quantized)\.onnx$/,
    );
    await ui.shot('first-run-04-downloading');

    // Done: the library opens on it in place and the app shows its views.
    await page.locator('nav[aria-label="Views"]').waitFor({ timeout: 60_000 });
    await page.locator('#folder-path').waitFor();
    expect(await page.locator('[data-testid="first-run"]').count()).toBe(0);
    expect(await page.locator('nav button.active').textContent()).toBe('Library');
    expect(await api('app.state')).toEqual({ ready: true, reason: null, switching: null });
    await ui.shot('first-run-05-library');
  });

  it('shows the model in use in Settings, with Download for the other one', async () => {
    const { page } = ui;
    hub.faults.slow = null;
    await page.click('nav button:has-text("Settings")');
    const row = page.locator('[data-model-id="shapes-clip"]');
    await row.locator('.badge:has-text("in use")').waitFor();
    // The recommended download: the image encoder in full precision, the text encoder quantized.
    expect(await page.locator('[data-testid="model-info"]').textContent()).toContain(
      'image fp32, text quantized',
    );
    const other = page.locator('[data-model-id="shapes-clip-copy"]');
    expect(await other.locator('[data-testid="model-download"]').isEnabled()).toBe(true);
    await ui.shot('first-run-06-settings');

    // Download the other one from Settings (progress in its row), then use it.
    hub.faults.slow = { chunkBytes: 16 * 1024, pauseMs: 30 };
    await other.locator('[data-testid="model-download"]').click();
    await page.waitForFunction(() => {
      const bar = document.querySelector<HTMLProgressElement>(
        '[data-testid="model-catalogue"] [data-testid="model-progress"] progress',
      );
      return bar !== null && bar.value > 300_000;
    });
    await ui.shot('first-run-07-settings-downloading');
    hub.faults.slow = null;
    await other.locator('[data-testid="model-use"]').waitFor({ timeout: 60_000 });

    // Photos indexed with the first model, so the second has them all to index.
    const photos = join(ui.root, 'photos');
    await generatePhotoFolder(photos, { count: PHOTOS, seed: 12, formats: ['png', 'tiff'] });
    await api('library.addFolder', { path: photos });
    await api('index.start');
    await waitFor(async () => (await api<{ indexed: number }>('library.status')).indexed === PHOTOS);

    await page.locator(`text=${PHOTOS} photos`).waitFor();

    // Use: indexing for it runs in the background, with progress; the first model stays in use.
    await other.locator('[data-testid="model-use"]').click();
    const progress = page.locator('[data-testid="model-switch"]');
    await progress.waitFor();
    await page.waitForFunction(
      (total) =>
        document.querySelector('[data-testid="model-switch-count"]')?.textContent.endsWith(`/ ${total}`),
      PHOTOS,
    );
    expect(await progress.textContent()).toMatch(
      /Indexing your photos for Shapes CLIP, a second copy \(test\)\s*\d+ \/ \d+/,
    );
    expect(await progress.textContent()).toContain('search keeps using Shapes CLIP (test) until it is done');
    expect(await row.locator('.badge:has-text("in use")').count()).toBe(1);
    expect(await other.locator('.badge:has-text("indexing")').count()).toBe(1);
    await ui.shot('first-run-08-settings-switching');
    const state = await api<{ switching: { id: string; total: number } | null }>('app.state');
    // (It may have finished since the progress was on screen.)
    if (state.switching) expect(state.switching).toMatchObject({ id: 'shapes-clip-copy', total: PHOTOS });

    // Done: the second model is in use, and chosen.
    await other.locator('.badge:has-text("in use")').waitFor({ timeout: 120_000 });
    expect(await row.locator('.badge:has-text("in use")').count()).toBe(0);
    expect(await page.locator('[data-testid="model-switch"]').count()).toBe(0);
    await page.waitForFunction(() =>
      document.querySelector('[data-testid="model-info"] .path')?.textContent.includes('shapes-clip-copy'),
    );
    expect(await page.locator('[data-testid="model-info"]').textContent()).toContain('quantized');
    expect(await api('app.state')).toEqual({ ready: true, reason: null, switching: null });
    expect(await api('library.status')).toMatchObject({ total: PHOTOS, indexed: PHOTOS, pending: 0 });
    await ui.shot('first-run-09-settings-switched');
  });
});
