// Tidying the library in Chromium over `lumen serve`: the duplicates page shows copies side by side
// with their size, date and shape, marks the one worth keeping (the full-size original, not the small
// copy nor the one named "(2)"), lets the user keep another, and trashes the rest with Undo; the files
// land in the (test's own) system trash. A photo open in the viewer goes to the trash the same way.
/// <reference lib="dom" />

import { copyFileSync, existsSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { HAS_CHROMIUM, startUi, type Ui } from '../support/ui-harness.js';

describe.skipIf(!HAS_CHROMIUM)('tidying up in Chromium', () => {
  let ui: Ui;
  let photos: GeneratedPhoto[];
  let dir: string;
  const copies: Record<string, string> = {};

  const api = <T>(method: string, params: unknown = {}): Promise<T> => ui.api<T>(method, params);
  const groups = () => ui.page.locator('[data-testid="duplicate-group"]');
  const groupOf = (name: string) => groups().filter({ hasText: name });
  const keptName = async (name: string) =>
    (await groupOf(name).locator('figure:has([data-testid="keep-mark"]) .name').textContent())?.trim();

  beforeAll(async () => {
    ui = await startUi();
    dir = join(ui.root, 'Photos');
    // One photo of each kind, so only the copies made below are alike (two red stars would be too).
    photos = [];
    for (const [k, pair] of (
      [
        ['red', 'star'],
        ['blue', 'circle'],
        ['green', 'square'],
        ['yellow', 'triangle'],
      ] as const
    ).entries())
      photos.push(
        ...(await generatePhotoFolder(join(dir, `set-${k}`), {
          count: 1,
          seed: 4242 + k,
          formats: ['jpeg'],
          pairs: [pair],
        })),
      );
    const [a, b] = photos as [GeneratedPhoto, GeneratedPhoto];
    const old = new Date(2019, 4, 1);
    for (const p of photos) utimesSync(p.path, old, old);
    // A's exact copy named as a copy, and a half-size copy; B's copy named "copy". All newer.
    copies.aCopy = join(dirname(a.path), `${basename(a.path, '.jpg')} (2).jpg`);
    copyFileSync(a.path, copies.aCopy);
    copies.aSmall = join(dirname(a.path), 'small-version.jpg');
    const { width } = await sharp(a.path).metadata();
    writeFileSync(
      copies.aSmall,
      await sharp(a.path)
        .resize(Math.round(width / 2))
        .jpeg()
        .toBuffer(),
    );
    copies.bCopy = join(dirname(b.path), `${basename(b.path, '.jpg')} copy.jpg`);
    copyFileSync(b.path, copies.bCopy);
    await api('library.addFolder', { path: dir });
    await api('index.start');
    await ui.page.waitForFunction(
      () => document.querySelector('[data-testid="library-counts"]')?.textContent.includes('7 photos'),
      undefined,
      { timeout: 120_000 },
    );
  }, 300_000);

  afterAll(async () => {
    await ui.close();
  });

  it('shows copies side by side and marks the full-size original to keep', async () => {
    const { page } = ui;
    const [a, b] = photos as [GeneratedPhoto, GeneratedPhoto];
    await page.click('nav button:has-text("Duplicates")');
    await expect.poll(() => groups().count(), { timeout: 30_000 }).toBe(2);
    const group = groupOf(basename(a.path));
    expect(await group.locator('figure').count()).toBe(3);
    // Each member says its shape, size and date; the original is marked to keep.
    const { width, height } = await sharp(a.path).metadata();
    await expect.poll(() => group.locator('figure').first().textContent()).toBeTruthy();
    const facts = await group.locator('.facts').allTextContents();
    expect(facts.some((f) => f.includes(`${width} × ${height}`))).toBe(true);
    expect(facts.some((f) => f.includes(`${Math.round(width / 2)} × ${Math.round(height / 2)}`))).toBe(true);
    expect(await keptName(basename(a.path))).toBe(basename(a.path));
    expect(await keptName(basename(b.path))).toBe(basename(b.path));
    expect(await page.locator('[data-testid="duplicates-summary"]').textContent()).toMatch(
      /2 groups · 3 photos you could remove/,
    );
    await ui.shot('30-duplicates-1280');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await ui.shot('31-duplicates-1920');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('keeps another photo when asked, and trashes the rest of a group with Undo', async () => {
    const { page } = ui;
    const [a] = photos as [GeneratedPhoto];
    const group = groupOf(basename(a.path));
    await group
      .locator('figure:has-text("small-version.jpg") button:has-text("Keep this one instead")')
      .click();
    expect(await keptName(basename(a.path))).toBe('small-version.jpg');
    // Back to the original, then trash the two others; Undo brings the group back untouched.
    await group
      .locator(`figure:has-text("${basename(a.path)}") >> nth=0`)
      .locator('button.link')
      .click();
    expect(await keptName(basename(a.path))).toBe(basename(a.path));
    await group.locator('[data-testid="trash-rest"]').click();
    await expect
      .poll(() => page.locator('[data-testid="trash-ask"]').textContent())
      .toMatch(/Move 2 photos to the trash\?/);
    await page.click('[data-testid="trash-confirm"]');
    await expect.poll(() => groups().count()).toBe(1);
    await page.click('[data-testid="trash-undo"]');
    await expect.poll(() => groups().count()).toBe(2);
    expect(existsSync(copies.aCopy ?? '')).toBe(true);
  });

  it('keeps the best of every group at once: the copies go to the system trash, the originals stay', async () => {
    const { page } = ui;
    await page.click('[data-testid="keep-all-best"]');
    await expect
      .poll(() => page.locator('[data-testid="trash-ask"]').textContent())
      .toMatch(/Move 3 photos to the trash\?/);
    await page.click('[data-testid="trash-confirm"]');
    await expect.poll(() => page.locator('[data-testid="duplicates-empty"]').count()).toBe(1);
    await expect
      .poll(() => page.locator('[data-testid="library-counts"]').textContent(), { timeout: 20_000 })
      .toMatch(/^\s*4 photos/);
    // Still tidy once the files went (the page's groups were fetched before).
    expect(await groups().count()).toBe(0);
    expect(await page.locator('[data-testid="duplicates-empty"]').count()).toBe(1);
    for (const copy of Object.values(copies)) {
      expect(existsSync(copy), copy).toBe(false);
      expect(existsSync(join(ui.root, 'data', 'Trash', 'files', basename(copy))), copy).toBe(true);
    }
    for (const p of photos) expect(existsSync(p.path), p.path).toBe(true);
    expect(await api<unknown[]>('photos.duplicates')).toEqual([]);
    await ui.shot('32-duplicates-done');
  });
  it('moves the photo on show to the trash from the viewer, going on to the next, with Undo on top', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Library")');
    const cells = page.locator('[data-testid="library-grid"] [data-photo-id]');
    await expect.poll(() => cells.count()).toBe(4);
    const first = Number(await cells.first().getAttribute('data-photo-id'));
    const { path } = await api<{ path: string }>('photos.get', { id: first });
    await cells.first().click();
    const viewer = page.locator('[data-testid="viewer"]');
    await viewer.waitFor();
    const shownSrc = () => page.locator('[data-testid="viewer-photo"]').getAttribute('src');
    const before = await shownSrc();
    expect(before).toContain(`/${first}`);
    await page.keyboard.press('Delete');
    await expect
      .poll(() => page.locator('[data-testid="trash-ask"]').textContent())
      .toMatch(/Move 1 photo to the trash\? The file goes to your system's trash/);
    await page.keyboard.press('Enter');
    // On to the next photo; the Undo is above the viewer, where a click reaches it.
    await expect.poll(shownSrc).not.toBe(before);
    const toast = page.locator('[data-testid="trash-toast"]');
    await toast.waitFor();
    const box = await toast.boundingBox();
    if (!box) throw new Error('no toast');
    expect(
      await page.evaluate(
        ([x, y]) =>
          document.elementFromPoint(x ?? 0, y ?? 0)?.closest('[data-testid="trash-toast"]') !== null,
        [box.x + box.width / 2, box.y + box.height / 2],
      ),
    ).toBe(true);
    await ui.shot('37-viewer-trash-undo');
    await page.click('[data-testid="trash-undo"]');
    await page.keyboard.press('Escape');
    await expect.poll(() => cells.count()).toBe(4);
    await page.waitForTimeout(9000);
    expect(existsSync(path)).toBe(true);
    // Again, and let it go: the file is in the trash and the library has three.
    await cells.first().click();
    await viewer.waitFor();
    await page.click('[data-testid="viewer-trash"]');
    await page.click('[data-testid="trash-confirm"]');
    await page.keyboard.press('Escape');
    await expect
      .poll(() => page.locator('[data-testid="library-counts"]').textContent(), { timeout: 20_000 })
      .toMatch(/^\s*3 photos/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(ui.root, 'data', 'Trash', 'files', basename(path)))).toBe(true);
  });
});
