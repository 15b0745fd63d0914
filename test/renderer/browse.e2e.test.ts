// Browsing the library as a Google Photos user would, in Chromium over `lumen serve`: photos in their
// own shapes under month headers, the timeline scrubber, the thumbnail size, and picking photos (tick,
// shift for a range, drag across, Ctrl+A, Esc) to add them to an album, tag, caption or copy them all
// at once. Photos span seven years and three shapes; screenshots at 1280x800 and 1920x1080.
/// <reference lib="dom" />

import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { tempDir } from '../support/temp.js';
import { HAS_CHROMIUM, startUi, type Ui } from '../support/ui-harness.js';

const SHAPES = [
  [300, 200],
  [200, 300],
  [240, 240],
] as const;

const PLACES = [
  { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 30/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 40/1' },
  { GPSLatitudeRef: 'N', GPSLatitude: '35/1 41/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '139/1 46/1 0/1' },
  { GPSLatitudeRef: 'N', GPSLatitude: '35/1 40/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '139/1 45/1 0/1' },
];

describe.skipIf(!HAS_CHROMIUM)('browsing and picking photos in Chromium', () => {
  let ui: Ui;
  let photos: GeneratedPhoto[];
  const months = new Set<string>();

  const api = <T>(method: string, params: unknown = {}): Promise<T> => ui.api<T>(method, params);
  const grid = () => ui.page.locator('[data-testid="library-grid"] [role="grid"]');
  const tile = (n: number) =>
    ui.page.locator(`[data-testid="library-grid"] [role="gridcell"]:has([data-index="${n}"])`);
  const count = () => ui.page.locator('[data-testid="selection-count"]');
  const pick = async (n: number, modifiers: ('Shift' | 'Control')[] = []) => {
    await tile(n).hover();
    await tile(n).locator('[data-testid="tick"]').click({ modifiers });
  };
  const pickedIds = () =>
    ui.page
      .locator('[data-testid="library-grid"] [role="gridcell"][aria-selected="true"] [data-photo-id]')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))));

  beforeAll(async () => {
    ui = await startUi();
    const dir = join(ui.root, 'Photos');
    photos = await generatePhotoFolder(dir, { count: 36, seed: 909, formats: ['jpeg'] });
    for (const [i, p] of photos.entries()) {
      // Three shapes, and nine months over seven years, four photos on three days in each (file
      // times stand in for EXIF dates).
      const [w, h] = SHAPES[i % 3] as readonly [number, number];
      // Three carry a place: one in Paris, two in Tokyo.
      const place = PLACES[i];
      writeFileSync(
        p.path,
        await sharp(p.path)
          .resize(w, h, { fit: 'fill' })
          .withExif(place ? { IFD3: place } : {})
          .jpeg()
          .toBuffer(),
      );
      const g = Math.floor(i / 4);
      const when = new Date(2025 - Math.floor((g * 6) / 8), (g * 5) % 12, 1 + (i % 3) * 3, 12 - (i % 4));
      months.add(`${when.getFullYear()}-${when.getMonth()}`);
      utimesSync(p.path, when, when);
    }
    await api('library.addFolder', { path: dir });
    await api('index.start');
    await ui.page.waitForFunction(
      () => document.querySelector('[data-testid="library-counts"]')?.textContent.includes('36 photos'),
      undefined,
      { timeout: 120_000 },
    );
    await tile(0).waitFor();
  }, 300_000);

  afterAll(async () => {
    await ui.close();
  });

  it('shows each photo in its own shape, in rows that fill the width, under a header per month', async () => {
    const { page } = ui;
    const shapes = await page.locator('[data-testid="library-grid"] [role="gridcell"]').evaluateAll((els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return {
          id: Number(e.querySelector('[data-photo-id]')?.getAttribute('data-photo-id')),
          w: r.width,
          h: r.height,
        };
      }),
    );
    expect(shapes.length).toBeGreaterThan(8);
    for (const s of shapes) {
      const { width, height } = await api<{ width: number; height: number }>('photos.get', { id: s.id });
      expect(s.w / s.h, `photo ${s.id}`).toBeCloseTo(width / height, 1);
    }
    // Rows are justified: the cells of a full row end at the same right edge.
    const rights = await page
      .locator('[data-testid="library-grid"] [role="row"]:not(:has(.month))')
      .evaluateAll((rows) =>
        rows.map((r) =>
          Math.max(
            ...[...r.querySelectorAll('[role="gridcell"]')].map((c) => c.getBoundingClientRect().right),
          ),
        ),
      );
    const edge = Math.max(...rights);
    expect(rights.filter((r) => Math.abs(r - edge) < 1.5).length).toBeGreaterThan(1);
    // Every month once, newest first, counting its photos; scrolled through, as the grid is virtual.
    const seen: string[] = [];
    const height = await grid().evaluate((el) => el.scrollHeight);
    for (let y = 0; y <= height; y += 250) {
      await grid().evaluate((el, top) => (el.scrollTop = top), y);
      await page.waitForTimeout(40);
      for (const m of await page.locator('[data-testid="library-grid"] .month').allTextContents())
        if (!seen.includes(m)) seen.push(m);
    }
    expect(seen).toHaveLength(months.size);
    const years = seen.map((m) => Number(/\d{4}/.exec(m)?.[0]));
    expect(years).toEqual([...years].sort((a, b) => b - a));
    await grid().evaluate((el) => (el.scrollTop = 0));
    await ui.shot('20-library-justified-1280');
  });

  it('jumps through the years with the scrubber, naming the month under the pointer', async () => {
    const { page } = ui;
    const bar = page.locator('[data-testid="scrubber"]');
    const box = await bar.boundingBox();
    if (!box) throw new Error('no scrubber');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 3);
    await expect.poll(() => page.locator('[data-testid="scrubber-month"]').textContent()).toMatch(/2019/);
    await page.mouse.down();
    await page.mouse.up();
    // The bottom of the track is the end of the library.
    await expect
      .poll(() => grid().evaluate((el) => el.scrollTop / (el.scrollHeight - el.clientHeight)))
      .toBeGreaterThan(0.98);
    expect((await page.locator('[data-testid="library-grid"] .month').allTextContents()).join(' ')).toMatch(
      /2019/,
    );
    await ui.shot('21-scrubber-2019');
    // Dragging back up to the top.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height - 3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + 1, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => grid().evaluate((el) => el.scrollTop)).toBeLessThan(5);
  });

  it('makes thumbnails bigger and smaller with the size control, and remembers it', async () => {
    const { page } = ui;
    const rowHeight = () => tile(0).evaluate((e) => e.getBoundingClientRect().height);
    const before = await rowHeight();
    await page.locator('[data-testid="thumb-size"]').fill('300');
    await expect.poll(rowHeight).toBeGreaterThan(before * 1.3);
    await page.reload();
    await tile(0).waitFor();
    expect(await rowHeight()).toBeGreaterThan(before * 1.3);
    await page.locator('[data-testid="thumb-size"]').fill('180');
    await expect.poll(rowHeight).toBeLessThan(before * 1.2);
  });

  it('picks photos by tick, shift-range, drag, Ctrl+A, and lets go with Esc', async () => {
    const { page } = ui;
    await pick(0);
    await expect.poll(() => count().textContent()).toBe('1 selected');
    // While something is picked, a click on a tile picks it instead of opening it.
    await tile(2).locator('[data-photo-id]').click();
    await expect.poll(() => count().textContent()).toBe('2 selected');
    expect(await page.locator('[data-testid="viewer"]').count()).toBe(0);
    await pick(5, ['Shift']);
    // From the last one picked (2) through 5: 0, 2, 3, 4, 5.
    await expect.poll(() => count().textContent()).toBe('5 selected');
    expect(await pickedIds()).toHaveLength(5);
    await ui.shot('22-selection-1280');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="selection-bar"]').count()).toBe(0);
    // Dragging from a tick across the next tiles of the row picks each one passed.
    const ticks = [0, 1, 2].map((n) => tile(n));
    await ticks[0]?.hover();
    const start = await ticks[0]?.locator('[data-testid="tick"]').boundingBox();
    const end = await ticks[2]?.boundingBox();
    if (!start || !end) throw new Error('no tiles');
    await page.mouse.move(start.x + 8, start.y + 8);
    await page.mouse.down();
    await page.mouse.move(end.x + end.width / 2, end.y + end.height / 2, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => count().textContent()).toBe('3 selected');
    await tile(0).locator('[data-photo-id]').focus();
    await page.keyboard.press('Control+a');
    await expect.poll(() => count().textContent()).toBe('36 selected');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="selection-bar"]').count()).toBe(0);
  });

  it('adds the picked photos to a new album, tags and captions them, and copies their files', async () => {
    const { page } = ui;
    // A new album from three photos.
    for (const n of [0, 1, 3]) await pick(n);
    const three = await pickedIds();
    await page.click('[data-testid="selection-bar"] button:has-text("Add to album")');
    await page.fill('[aria-label="New album name"]', 'Summer trip');
    await page.click('[data-testid="selection-menu"] button:has-text("Create")');
    await expect
      .poll(() => page.locator('[data-testid="selection-done"]').textContent())
      .toMatch(/Made the album Summer trip with 3 photos/);
    const album = (await api<{ id: number; name: string }[]>('albums.list')).find(
      (a) => a.name === 'Summer trip',
    );
    expect((await api<number[]>('albums.photos', { id: album?.id })).sort()).toEqual([...three].sort());
    // A tag, recorded as the user's own.
    const category = await api<{ id: number }>('tags.add', { name: 'postcards' });
    for (const n of [1, 2]) await pick(n);
    const two = await pickedIds();
    await page.click('[data-testid="selection-bar"] button:has-text("Tag")');
    await page
      .locator('[data-testid="selection-menu"] .row:has-text("postcards") button:has-text("Add")')
      .click();
    await expect
      .poll(() => page.locator('[data-testid="selection-done"]').textContent())
      .toMatch(/Tagged 2 photos postcards/);
    for (const id of two) {
      const { tags } = await api<{ tags: { name: string; source: string }[] }>('photos.get', { id });
      expect(tags).toContainEqual(expect.objectContaining({ name: 'postcards', source: 'manual' }));
    }
    expect(category.id).toBeGreaterThan(0);
    // One caption for both.
    for (const n of [1, 2]) await pick(n);
    await page.click('[data-testid="selection-bar"] button:has-text("Caption")');
    await page.fill('[aria-label="Caption"]', 'Postcards from Crete');
    await page.click('[data-testid="selection-menu"] button:has-text("Save")');
    await expect
      .poll(() => page.locator('[data-testid="selection-done"]').textContent())
      .toMatch(/Captioned 2 photos/);
    for (const id of two)
      expect((await api<{ caption: string }>('photos.get', { id })).caption).toBe('Postcards from Crete');
    // Their files copied to a folder; a second copy never overwrites the first.
    const dest = tempDir('lumen-copy-');
    for (let round = 0; round < 2; round++) {
      for (const n of [1, 2]) await pick(n);
      await page.click('[data-testid="selection-bar"] button:has-text("Copy")');
      await page.fill('[aria-label="Folder to copy into"]', dest);
      await page.click('[data-testid="selection-menu"] button:has-text("Copy")');
      await expect
        .poll(() => page.locator('[data-testid="selection-done"]').textContent())
        .toMatch(/Copied 2 photos to/);
    }
    const files = readdirSync(dest).sort();
    expect(files).toHaveLength(4);
    expect(files.filter((f) => / \(2\)\.jpg$/.test(f))).toHaveLength(2);
    for (const id of two) {
      const { path } = await api<{ path: string }>('photos.get', { id });
      const name = path.split('/').pop() ?? '';
      expect(readFileSync(join(dest, name)).equals(readFileSync(path))).toBe(true);
    }
    // A relative folder is refused in plain words, and nothing is copied.
    const res = await fetch(`${ui.url}/api/photos.copy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ photoIds: two, folder: 'Export' }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/give the folder's full path, not \\"Export\\"/);
  });

  it('shows albums as covers, opens one as a page, removes picked photos and renames it', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Albums")');
    // Each album a cover: its first photo, its name and its count.
    const card = page.locator('[data-testid="album-list"] button:has-text("Summer trip")');
    await expect.poll(() => card.textContent()).toMatch(/Summer trip\s*3 photos/);
    const cover = await card.locator('img').getAttribute('src');
    const album0 = (await api<{ id: number; name: string; cover: number }[]>('albums.list')).find(
      (a) => a.name === 'Summer trip',
    );
    expect(cover).toContain(`/${album0?.cover ?? 'none'}`);
    await ui.shot('35-albums-covers');
    await card.click();
    const cells = page.locator('[data-testid="album-grid"] [role="gridcell"]');
    await expect.poll(() => cells.count()).toBe(3);
    const first = Number(await cells.first().locator('[data-photo-id]').getAttribute('data-photo-id'));
    await cells.first().hover();
    await cells.first().locator('[data-testid="tick"]').click();
    await page.click('[data-testid="selection-bar"] button:has-text("Remove from Summer trip")');
    await expect
      .poll(() => page.locator('[data-testid="selection-done"]').textContent())
      .toMatch(/Removed 1 photo from Summer trip/);
    await expect.poll(() => cells.count()).toBe(2);
    const album = (await api<{ id: number; name: string }[]>('albums.list')).find(
      (a) => a.name === 'Summer trip',
    );
    const left = await api<number[]>('albums.photos', { id: album?.id });
    expect(left).toHaveLength(2);
    expect(left).not.toContain(first);
    // Renamed in place: the page and the covers say the new name.
    await page.click('[data-testid="album-rename"]');
    await page.fill('[data-testid="album-new-name"]', 'Crete 2025');
    await page.click('form button:has-text("Save")');
    await expect.poll(() => page.locator('[data-testid="page-title"]').textContent()).toBe('Crete 2025');
    await page.click('[data-testid="page-back"]');
    await page.locator('[data-testid="album-list"] button:has-text("Crete 2025")').waitFor();
    await page.click('nav button:has-text("Library")');
  });

  it('changes a smart album’s search and shows the photos it now gathers', async () => {
    const { page } = ui;
    // A smart album of the photos tagged "postcards" (two, tagged above); "keepers" tags three others.
    const keepers = await api<{ id: number }>('tags.add', { name: 'keepers' });
    const timeline = (await api<{ ids: number[] }>('photos.timeline')).ids;
    const postcards = (
      await Promise.all(
        timeline.map(async (id) => ({
          id,
          tags: (await api<{ tags: { name: string }[] }>('photos.get', { id })).tags,
        })),
      )
    )
      .filter((p) => p.tags.some((t) => t.name === 'postcards'))
      .map((p) => p.id)
      .sort((x, y) => x - y);
    expect(postcards).toHaveLength(2);
    const three = timeline
      .filter((id) => !postcards.includes(id))
      .slice(-3)
      .sort((x, y) => x - y);
    await api('tags.decideMany', { photoIds: three, categoryId: keepers.id, decision: 'manual' });
    await api('albums.create', { name: 'Picks', tags: ['postcards'] });
    const shownIds = async () =>
      (
        await page
          .locator('[data-testid="album-grid"] [data-photo-id]')
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))))
      ).sort((x, y) => x - y);
    await page.click('nav button:has-text("Albums")');
    await page.click('[data-testid="album-list"] button:has-text("Picks")');
    await expect.poll(shownIds).toEqual(postcards);
    expect(await page.locator('[data-testid="album-search"]').textContent()).toMatch(/tagged postcards/);
    // Change its search: keepers instead of postcards, and the page shows the three.
    await page.click('[data-testid="album-edit-search"]');
    const tagBox = (name: string) => page.locator(`label.tag:has-text("${name}") input`);
    await tagBox('postcards').uncheck();
    await tagBox('keepers').check();
    await ui.shot('36-album-change-search');
    await page.click('form button:has-text("Save")');
    await expect.poll(shownIds).toEqual(three);
    expect(await page.locator('[data-testid="album-search"]').textContent()).toMatch(/tagged keepers/);
    await page.click('nav button:has-text("Library")');
  });

  it('shows a photo on black at its own size, zooms, rotates, plays a slideshow and edits its tags', async () => {
    const { page } = ui;
    const long = 'a very long category name that a careless user typed without stopping for breath at all';
    const category = await api<{ id: number }>('tags.add', { name: long });
    await tile(0).locator('[data-photo-id]').click();
    const viewer = page.locator('[data-testid="viewer"]');
    await viewer.waitFor();
    const img = page.locator('[data-testid="viewer-photo"]');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    expect(await viewer.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(0, 0, 0)');
    // Smaller than the screen: shown at its own size, not blown up.
    const size = () =>
      img.evaluate((el) => [el.getBoundingClientRect().width, (el as HTMLImageElement).naturalWidth]);
    const [shown, natural] = await size();
    expect(shown).toBeCloseTo(natural as number, 0);
    await page.keyboard.press('+');
    await expect.poll(async () => (await size())[0]).toBeCloseTo((natural as number) * 1.5, 0);
    await page.keyboard.press('r');
    expect(await img.evaluate((el) => el.style.transform)).toMatch(/rotate\(90deg\)/);
    await page.keyboard.press('0');
    expect(await img.evaluate((el) => el.style.transform)).toMatch(/rotate\(0deg\) scale\(1\)/);
    // No EXIF date: the file's date, called that.
    await expect.poll(() => viewer.locator('dt').allTextContents()).toContain('File date');
    // The original, to download, byte for byte.
    const link = viewer.locator('a[download]');
    const { path } = await api<{ path: string }>('photos.get', {
      id: Number(await tile(0).locator('[data-photo-id]').getAttribute('data-photo-id')),
    });
    expect(await link.getAttribute('download')).toBe(path.split('/').pop());
    const bytes = await page.evaluate(
      async (href) => [...new Uint8Array(await (await fetch(href)).arrayBuffer())].length,
      (await link.getAttribute('href')) ?? '',
    );
    expect(bytes).toBe(readFileSync(path).length);
    // Tags in place: add one as the user's, then say it is not that; a long name keeps the panel whole.
    await viewer.locator('#tag-pick').selectOption({ label: long });
    await viewer.locator('.add-tag button:has-text("Add")').click();
    const chip = viewer.locator('[data-testid="viewer-tags"] .tag', { hasText: long });
    await expect.poll(() => chip.getAttribute('class')).toMatch(/manual/);
    const aside = await viewer.locator('aside').evaluate((el) => el.getBoundingClientRect().width);
    expect(aside).toBeCloseTo(340, 0);
    expect(
      await viewer.locator('#caption').evaluate((el) => el.getBoundingClientRect().width),
    ).toBeGreaterThan(280);
    await ui.shot('25-viewer-tags');
    await chip.locator(`button[aria-label="Not ${long}"]`).click();
    await expect.poll(() => chip.getAttribute('class')).toMatch(/rejected/);
    const id = Number(await tile(0).locator('[data-photo-id]').getAttribute('data-photo-id'));
    const { tags } = await api<{ tags: { name: string; source: string }[] }>('photos.get', { id });
    expect(tags).toContainEqual(expect.objectContaining({ name: long, source: 'rejected' }));
    // A slideshow moves on by itself.
    const before = await img.getAttribute('src');
    await viewer.locator('[data-testid="slideshow"]').click();
    await expect.poll(() => img.getAttribute('src'), { timeout: 8000 }).not.toBe(before);
    await page.keyboard.press('p');
    await page.keyboard.press('Escape');
    await api('tags.remove', { id: category.id });
  });

  it('looks right at 1920x1080, with a selection', async () => {
    const { page } = ui;
    await page.setViewportSize({ width: 1920, height: 1080 });
    await tile(0).waitFor();
    for (const n of [0, 4]) await pick(n);
    await ui.shot('23-selection-1920');
    await page.keyboard.press('Escape');
    await ui.shot('24-library-justified-1920');
    // The other pages at full HD: albums (covers, then one opened), the map, a photo in the viewer.
    await page.click('nav button:has-text("Albums")');
    await page.locator('[data-testid="album-list"] button').first().waitFor();
    await ui.shot('24b-albums-1920');
    await page.locator('[data-testid="album-list"] button:has-text("Crete 2025")').click();
    await page.locator('[data-testid="album-grid"] [data-photo-id]').first().waitFor();
    await ui.shot('24c-album-page-1920');
    await page.click('nav button:has-text("Places")');
    await page.locator('[data-testid="places-summary"]').waitFor();
    await ui.shot('24d-places-1920');
    await page.click('nav button:has-text("Library")');
    await tile(0).locator('[data-photo-id]').click();
    await page.locator('[data-testid="viewer"] [data-testid="stars"]').waitFor();
    await ui.shot('24e-viewer-1920');
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('puts the photos with a place on an offline world map, close ones together', async () => {
    const { page } = ui;
    const elsewhere: string[] = [];
    const origin = new URL(ui.url).origin;
    const onRequest = (r: { url: () => string }): void => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    };
    page.on('request', onRequest);
    await page.click('nav button:has-text("Places")');
    await expect
      .poll(() => page.locator('[data-testid="places-summary"]').textContent())
      .toBe('3 photos with a place');
    const places = page.locator('[data-testid="place"]');
    await expect
      .poll(() => places.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-count')))))
      .toEqual([2, 1]);
    await ui.shot('27-places');
    await places.first().click();
    const cells = page.locator('[data-testid="place-grid"] [data-photo-id]');
    await expect.poll(() => cells.count()).toBe(2);
    const ids = await cells.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))));
    const names = await Promise.all(
      ids.map(async (id) => (await api<{ path: string }>('photos.get', { id })).path),
    );
    expect(names.sort()).toEqual([photos[1]?.path, photos[2]?.path].sort());
    page.off('request', onRequest);
    expect(elsewhere).toEqual([]);
    await page.click('nav button:has-text("Library")');
  });

  it('favourites and rates photos in the viewer and in bulk, with a Favourites page', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Library")');
    const idAt = async (n: number) =>
      Number(await tile(n).locator('[data-photo-id]').getAttribute('data-photo-id'));
    const first = await idAt(4);
    const get = (id: number) => api<{ rating: number; favorite: boolean }>('photos.get', { id });
    // In the viewer: "." toggles the heart, a number key gives that many stars.
    await tile(4).locator('[data-photo-id]').click();
    const viewer = page.locator('[data-testid="viewer"]');
    await viewer.waitFor();
    await viewer.locator('[data-testid="stars"]').waitFor();
    await page.keyboard.press('.');
    await expect
      .poll(() => viewer.locator('[data-testid="favorite"]').getAttribute('aria-pressed'))
      .toBe('true');
    await page.keyboard.press('4');
    await expect
      .poll(() => viewer.locator('[data-testid="stars"]').getAttribute('aria-label'))
      .toBe('Rating: 4 of 5 stars');
    await expect.poll(() => get(first)).toEqual(expect.objectContaining({ rating: 4, favorite: true }));
    await ui.shot('33-viewer-favourite-stars');
    await page.keyboard.press('Escape');
    // The tile wears a heart; the Favourites page holds the photo.
    await expect.poll(() => tile(4).locator('[data-testid="heart"]').count()).toBe(1);
    expect(await tile(5).locator('[data-testid="heart"]').count()).toBe(0);
    // Two more, picked: favourite them all and give them 5 stars.
    for (const n of [5, 7]) await pick(n);
    const two = await pickedIds();
    await page.click('[data-testid="selection-favorite"]');
    await expect
      .poll(() => page.locator('[data-testid="selection-done"]').textContent())
      .toMatch(/Added 2 photos to favourites/);
    for (const n of [5, 7]) await pick(n);
    await page.click('[data-testid="selection-bar"] button:has-text("Rate")');
    await page.click('[data-testid="selection-menu"] button[aria-label="5 stars"]');
    await expect
      .poll(() => page.locator('[data-testid="selection-done"]').textContent())
      .toMatch(/Gave 2 photos 5 stars/);
    for (const id of two)
      expect(await get(id)).toEqual(expect.objectContaining({ rating: 5, favorite: true }));
    await page.click('nav button:has-text("Favourites")');
    const cells = page.locator('[data-testid="favorites-grid"] [data-photo-id]');
    await expect.poll(() => cells.count()).toBe(3);
    expect(
      (await cells.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))))).sort(),
    ).toEqual([first, ...two].sort());
    await ui.shot('34-favourites');
    // All three picked are favourites already: the button takes them out again.
    await page.locator('[data-testid="favorites-grid"] [role="gridcell"]').first().hover();
    await page.locator('[data-testid="favorites-grid"] [data-testid="tick"]').first().click();
    await page.locator('[data-testid="favorites-grid"] [data-photo-id]').first().focus();
    await page.keyboard.press('Control+a');
    await expect.poll(() => count().textContent()).toBe('3 selected');
    expect(await page.locator('[data-testid="selection-favorite"]').textContent()).toMatch(/Unfavourite/);
    await page.click('[data-testid="selection-favorite"]');
    await expect.poll(() => page.locator('[data-testid="favorites-empty"]').count()).toBe(1);
    expect(await api<number[]>('photos.favorites')).toEqual([]);
    await page.click('nav button:has-text("Library")');
  });

  it('moves picked photos to the trash after asking, hides them at once, and can be undone', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Library")');
    for (const n of [2, 6]) await pick(n);
    const two = await pickedIds();
    const paths = await Promise.all(
      two.map(async (id) => (await api<{ path: string }>('photos.get', { id })).path),
    );
    const shown = () =>
      page
        .locator('[data-testid="library-grid"] [data-photo-id]')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-photo-id'))));
    // Asked first, in words: what the library loses with them (tile 2 was captioned and tagged above).
    const details = await Promise.all(
      two.map((id) => api<{ caption: string | null; tags: { source: string }[] }>('photos.get', { id })),
    );
    const captions = details.filter((d) => d.caption).length;
    const tags = details.flatMap((d) => d.tags.filter((t) => t.source !== 'auto')).length;
    expect(captions).toBe(1);
    await page.click('[data-testid="selection-trash"]');
    const ask = page.locator('[data-testid="trash-ask"]');
    await expect
      .poll(async () => (await ask.textContent())?.replace(/\s+/g, ' '))
      .toContain(
        `Move 2 photos to the trash? The files go to your system's trash, where you can still restore them. Lumen forgets 1 caption and ${tags} ${tags === 1 ? 'tag' : 'tags'} you set.`,
      );
    await ui.shot('28-trash-ask');
    await ask.locator('button:has-text("Keep")').click();
    expect(await ask.count()).toBe(0);
    await expect.poll(() => count().textContent()).toBe('2 selected');
    // Moved: gone from the grid at once, with Undo offered; Undo brings them back and no file moves.
    await page.click('[data-testid="selection-trash"]');
    await page.click('[data-testid="trash-confirm"]');
    await expect.poll(async () => (await shown()).filter((id) => two.includes(id))).toEqual([]);
    await expect
      .poll(() => page.locator('[data-testid="trash-toast"]').textContent())
      .toMatch(/Moved 2 photos to the trash/);
    await ui.shot('29-trash-undo');
    await page.click('[data-testid="trash-undo"]');
    await expect
      .poll(async () => (await shown()).filter((id) => two.includes(id)).sort())
      .toEqual([...two].sort());
    await page.waitForTimeout(9000);
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    // Let go: once the Undo time passes the files are in the system trash and the library has 34.
    for (const n of [2, 6]) await pick(n);
    expect((await pickedIds()).sort()).toEqual([...two].sort());
    await page.click('[data-testid="selection-trash"]');
    await page.click('[data-testid="trash-confirm"]');
    await expect
      .poll(() => page.locator('[data-testid="library-counts"]').textContent(), { timeout: 20_000 })
      .toMatch(/^\s*34 photos/);
    for (const path of paths) {
      expect(existsSync(path), path).toBe(false);
      expect(existsSync(join(ui.root, 'data', 'Trash', 'files', basename(path))), path).toBe(true);
    }
    expect(await page.locator('[data-testid="trash-toast"]').count()).toBe(0);
  });

  it('asks before removing a folder, says what goes with it, and can be undone', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Library")');
    const folder = page.locator('[data-testid="folder"]').first();
    await folder.locator('button:has-text("Remove")').click();
    // Two captions and the album place from the earlier steps go with the photos.
    await expect
      .poll(async () =>
        (await page.locator('[data-testid="remove-ask"]').textContent())?.replace(/\s+/g, ' '),
      )
      .toMatch(
        /Its 34 photos stay on disk but leave the library, and with them 1 caption, \d+ tags? you set and their places in 1 album/,
      );
    await ui.shot('26-remove-folder-ask');
    await page.click('button:has-text("Keep it")');
    expect(await page.locator('[data-testid="remove-ask"]').count()).toBe(0);
    await folder.locator('button:has-text("Remove")').click();
    await page.click('[data-testid="remove-confirm"]');
    await page.click('[data-testid="undo-remove"]');
    await page.waitForTimeout(7000);
    expect((await api<{ folders: string[] }>('library.status')).folders).toHaveLength(1);
    await folder.locator('button:has-text("Remove")').click();
    await page.click('[data-testid="remove-confirm"]');
    await expect
      .poll(async () => (await api<{ folders: string[] }>('library.status')).folders, { timeout: 15_000 })
      .toEqual([]);
  });
});
