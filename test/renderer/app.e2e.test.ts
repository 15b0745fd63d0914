// The UI end to end, as a user drives it: Chromium against `lumen serve` on the test model and
// generated photos. One library goes through the whole story in order: add a folder and watch it
// index, search, open a photo and find similar ones, define a category with its live preview, run and
// review it, caption photos and fine-tune with the live plot, and switch the theme. Each step saves
// screenshots under test-results/ui/.
/// <reference lib="dom" />

import { copyFileSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { HAS_CHROMIUM, startUi, type Ui } from '../support/ui-harness.js';

describe.skipIf(!HAS_CHROMIUM)('the UI in Chromium, over lumen serve', () => {
  let ui: Ui;
  let photos: GeneratedPhoto[];
  let photosDir: string;
  const byPath = new Map<string, GeneratedPhoto>();

  /** A contract call from the test itself, to check what the UI did. */
  const api = async <T>(method: string, params: unknown = {}): Promise<T> => {
    const res = await fetch(`${ui.url}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(params),
    });
    const json = (await res.json()) as { result: T };
    return json.result;
  };
  const photoOf = async (id: number): Promise<GeneratedPhoto> => {
    const { path } = await api<{ path: string }>('photos.get', { id });
    const p = byPath.get(path);
    if (!p) throw new Error(`photo ${id} (${path}) is not one we generated`);
    return p;
  };
  /** The first n photo ids a grid shows, in order; it is virtual, so scrolled through to collect them. */
  const gridIds = async (testid: string, n: number): Promise<number[]> => {
    const cells = ui.page.locator(`[data-testid="${testid}"] [data-photo-id]`);
    await cells.first().waitFor();
    const grid = ui.page.locator(`[data-testid="${testid}"] [role="grid"]`);
    const seen = new Map<number, number>();
    const height = await grid.evaluate((el) => el.scrollHeight);
    for (let y = 0; y <= height && seen.size < n; y += 400) {
      await grid.evaluate((el, top) => (el.scrollTop = top), y);
      await ui.page.waitForTimeout(30);
      const found = await cells.evaluateAll((els) =>
        els.map(
          (e) => [Number(e.getAttribute('data-index')), Number(e.getAttribute('data-photo-id'))] as const,
        ),
      );
      for (const [index, id] of found) seen.set(index, id);
    }
    await grid.evaluate((el) => (el.scrollTop = 0));
    return [...seen.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, id]) => id)
      .slice(0, n);
  };

  beforeAll(async () => {
    ui = await startUi();
    photosDir = join(ui.root, 'My Photos');
    photos = await generatePhotoFolder(photosDir, {
      count: 40,
      seed: 606,
      formats: ['jpeg'],
      pairs: [
        ['red', 'star'],
        ['blue', 'star'],
        ['red', 'circle'],
        ['green', 'square'],
        ['yellow', 'triangle'],
      ],
    });
    // Spread the photos over four days (file times stand in for EXIF dates) so the grid groups them.
    photos.forEach((p, i) => {
      const t = new Date(Date.UTC(2025, 5, 10 + (i % 4), 12)).getTime() / 1000;
      utimesSync(p.path, t, t);
      byPath.set(p.path, p);
    });
    // One file that only looks like a photo: it must be listed as failed, with why, and block nothing.
    writeFileSync(join(photosDir, 'broken.jpg'), 'not a jpeg at all');
  }, 300_000);

  afterAll(async () => {
    await ui.close();
  });

  it('adds a folder and shows indexing finish, then the photos under their month, a label per day', async () => {
    const { page } = ui;
    // An empty library invites adding photos, and the path field completes from the folders there.
    expect(await page.locator('[data-testid="library-empty"]').textContent()).toMatch(/Add your photos/);
    await ui.shot('01-empty-library');
    await page.locator('#folder-path').pressSequentially(join(ui.root, 'My Ph'));
    await expect
      .poll(() =>
        page
          .locator('[data-testid="folder-suggestions"] option')
          .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value)),
      )
      .toEqual([photosDir]);
    await page.fill('#folder-path', photosDir);
    await page.click('[data-testid="add-folder"]');
    await page.locator('[data-testid="folder"]').first().waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="library-counts"]')?.textContent.includes('40 photos'),
      undefined,
      { timeout: 120_000 },
    );
    const cells = page.locator('[data-testid="library-grid"] [data-photo-id]');
    await cells.first().waitFor({ timeout: 20_000 });
    // One month, four days: a month header counting all 40, and a label where each day starts (the
    // days share rows). The grid is virtualised, so collect them while scrolling, not from the DOM.
    const grid = page.locator('[data-testid="library-grid"] [role="grid"]');
    const months = new Set<string>();
    const days = new Set<string>();
    const height = await grid.evaluate((el) => el.scrollHeight);
    for (let y = 0; y <= height; y += 300) {
      await grid.evaluate((el, top) => (el.scrollTop = top), y);
      await page.waitForTimeout(50);
      const heads = await page
        .locator('[data-testid="library-grid"] [role="row"]:has(.month)')
        .evaluateAll((els) => els.map((e) => e.textContent.trim()));
      for (const h of heads) months.add(h);
      for (const d of await page.locator('[data-testid="library-grid"] .day').allTextContents()) days.add(d);
    }
    expect([...months]).toEqual([expect.stringMatching(/June 2025\s*40 photos/)]);
    expect(days.size).toBe(4);
    await grid.evaluate((el) => (el.scrollTop = 0));
    // Thumbnails really load (natural size > 0), served through /media/thumb.
    await expect
      .poll(() =>
        cells
          .first()
          .locator('img')
          .evaluate((img) => (img as HTMLImageElement).naturalWidth),
      )
      .toBeGreaterThan(0);
    await page.click('button:has-text("could not be indexed")');
    const failures = page.locator('[data-testid="failures"] li');
    await expect.poll(() => failures.count()).toBe(1);
    expect(await failures.first().textContent()).toContain('broken.jpg');
    await ui.shot('02-library-indexed');
  });

  it('searches "a photo of a red star" and shows red stars first, with scores', async () => {
    const { page } = ui;
    const started = Date.now();
    await page.fill('#search-input', 'a photo of a red star');
    await page.press('#search-input', 'Enter');
    await page.locator('[data-testid="search-summary"]').waitFor();
    const ms = Date.now() - started;
    const top = await Promise.all((await gridIds('search-grid', 3)).map(photoOf));
    expect(top.map((p) => `${p.colour} ${p.shape}`)).toEqual(['red star', 'red star', 'red star']);
    // Scores stay off the tiles until asked for.
    expect(await page.locator('[data-testid="search-grid"] .score').count()).toBe(0);
    await page.check('[data-testid="show-scores"]');
    const score = await page.locator('[data-testid="search-grid"] .score').first().textContent();
    expect(Number(score)).toBeGreaterThan(0);
    console.log(`search to results in the UI: ${ms} ms (typing and Enter included)`);
    await ui.shot('03-search-red-star');
    // At the defaults the grid holds the red stars, every one of them, and says so in plain words.
    const redStars = new Set(
      photos.filter((p) => p.colour === 'red' && p.shape === 'star').map((p) => p.path),
    );
    const summary = page.locator('[data-testid="search-summary"]');
    const matched = Number(/^(\d+) photos? match/.exec((await summary.textContent()) ?? '')?.[1]);
    const shown = await Promise.all((await gridIds('search-grid', 100)).map(photoOf));
    expect(shown.filter((p) => redStars.has(p.path)).length).toBe(redStars.size);
    expect(matched).toBeGreaterThanOrEqual(redStars.size - 1);
    expect(shown.length).toBeLessThanOrEqual(Math.max(redStars.size + 2, 5));
    expect(await summary.textContent()).not.toMatch(/strictness|cut-off|score/i);
    // "Show weaker matches" lists the rest of the library, ranked, the weaker ones dimmed after them.
    await page.click('[data-testid="show-weaker"]');
    await expect.poll(async () => (await gridIds('search-grid', 100)).length).toBe(40);
    expect(await page.locator('[data-testid="search-grid"] [data-weaker]').count()).toBeGreaterThan(0);
    expect(await summary.textContent()).toMatch(/weaker matches below/);
    await ui.shot('03b-search-weaker');
    await page.click('[data-testid="show-weaker"]');
    await expect.poll(async () => (await gridIds('search-grid', 100)).length).toBe(shown.length);
  });

  it('opens a result, explains the match, moves with the keyboard and finds similar photos', async () => {
    const { page } = ui;
    const first = (await gridIds('search-grid', 1))[0] as number;
    await page.click(`[data-testid="search-grid"] [data-photo-id="${first}"]`);
    const viewer = page.locator('[data-testid="viewer"]');
    await viewer.waitFor();
    await page.locator('[data-testid="explain"]').waitFor();
    const explain = await page.locator('[data-testid="explain"]').textContent();
    expect(explain).toContain('a photo of a red star');
    await ui.shot('04-viewer-explain');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => viewer.locator('h3').textContent()).not.toBe('…');
    await page.click('[data-testid="find-similar"]');
    const example = page.locator('[data-testid="search-example"]');
    await example.waitFor();
    // The chip shows the photo, never the library's internal id for it.
    expect(await example.textContent()).toContain('Similar to this photo');
    expect(await example.textContent()).not.toMatch(/\d/);
    expect(await example.locator('img').getAttribute('src')).toMatch(/thumb/);
    const summary = page.locator('[data-testid="search-summary"]');
    await summary.waitFor();
    // Dimmed tiles are exactly the weaker matches the summary counts (none when nothing stands out).
    const said = /(\d+) weaker match/.exec((await summary.textContent()) ?? '')?.[1] ?? '0';
    expect(await page.locator('[data-testid="search-grid"] [data-weaker]').count()).toBe(Number(said));
    const similar = await Promise.all((await gridIds('search-grid', 3)).map(photoOf));
    expect(similar.every((p) => p.colour === 'red' && p.shape === 'star')).toBe(true);
    await ui.shot('05-find-similar');
    // Drop an image file from outside the library on the search box: search by example.
    const outside = photos.find((p) => p.colour === 'blue' && p.shape === 'star');
    if (!outside) throw new Error('no blue star generated');
    const bytes = readFileSync(outside.path).toString('base64');
    const drop = await page.evaluateHandle((b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], 'dropped.jpg', { type: 'image/jpeg' }));
      return dt;
    }, bytes);
    await page.dispatchEvent('form[role="search"]', 'drop', { dataTransfer: drop });
    await expect
      .poll(() => page.locator('[data-testid="search-example"]').textContent())
      .toContain('dropped.jpg');
    // The grid still shows the previous results until the new ones arrive.
    await expect
      .poll(async () =>
        (await Promise.all((await gridIds('search-grid', 3)).map(photoOf))).map(
          (p) => `${p.colour} ${p.shape}`,
        ),
      )
      .toEqual(['blue star', 'blue star', 'blue star']);
    await ui.shot('05b-search-by-dropped-image');
  });

  it('defines a category with a live preview, runs it and reviews the least certain tags by keyboard', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Tags")');
    await page.click('[data-testid="category-new"]');
    await page.fill('[data-testid="category-name"]', 'stars');
    await page.fill('[data-testid="category-prompts"]', 'a photo of a star');
    // The preview runs while typing, before anything is saved.
    await expect
      .poll(
        async () =>
          Number((await page.locator('[data-testid="preview-count"]').textContent())?.match(/\d+/)?.[0]),
        {
          timeout: 60_000,
        },
      )
      .toBeGreaterThan(0);
    await page.locator('[data-testid="preview-grid"] [data-photo-id]').first().waitFor();
    const previewTop = await Promise.all(
      (
        await page
          .locator('[data-testid="preview-grid"] [data-photo-id]')
          .evaluateAll((els) => els.slice(0, 3).map((e) => Number(e.getAttribute('data-photo-id'))))
      ).map(photoOf),
    );
    expect(previewTop.every((p) => p.shape === 'star')).toBe(true);
    expect((await api<{ name: string }[]>('tags.list')).map((c) => c.name)).not.toContain('stars');
    await ui.shot('06-category-preview');
    await page.click('[data-testid="category-save"]');
    await expect
      .poll(async () => (await api<{ name: string }[]>('tags.list')).map((c) => c.name))
      .toContain('stars');
    await page.click('[data-testid="run-tagging"]');
    await page.locator('[data-testid="tag-report"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="tag-report"]').textContent()).toContain('stars');
    await ui.shot('07-tag-report');
    const item = page.locator('[data-testid="review-item"]');
    await item.waitFor();
    const first = Number(await item.getAttribute('data-photo-id'));
    await ui.shot('08-review-queue');
    await page.keyboard.press('a');
    await expect.poll(async () => Number(await item.getAttribute('data-photo-id'))).not.toBe(first);
    const second = Number(await item.getAttribute('data-photo-id'));
    await page.keyboard.press('r');
    await expect
      .poll(
        async () =>
          (await api<{ tags: { name: string; source: string }[] }>('photos.get', { id: second })).tags,
      )
      .toContainEqual(expect.objectContaining({ name: 'stars', source: 'rejected' }));
    const accepted = await api<{ tags: { name: string; source: string }[] }>('photos.get', { id: first });
    expect(accepted.tags).toContainEqual(expect.objectContaining({ name: 'stars', source: 'accepted' }));
    // All at once: the rest of the queue as a grid, least certain first; pick two and answer for both.
    const rest = await api<{ photoId: number }[]>('tags.review', { limit: 200 });
    await page.click('[data-testid="review-mode-grid"]');
    const cell = (n: number) =>
      page.locator(`[data-testid="review-grid"] [role="gridcell"]:has([data-index="${n}"])`);
    for (const n of [0, 1]) {
      await cell(n).hover();
      await cell(n).locator('[data-testid="tick"]').click();
    }
    await ui.shot('08b-review-grid');
    // "No" for both: turned down, they teach what a photo is not (and are no training pairs).
    await page.click('[data-testid="review-grid-reject"]');
    for (const { photoId } of rest.slice(0, 2))
      await expect
        .poll(
          async () =>
            (await api<{ tags: { name: string; source: string }[] }>('photos.get', { id: photoId })).tags,
        )
        .toContainEqual(expect.objectContaining({ name: 'stars', source: 'rejected' }));
    expect((await api<{ photoId: number }[]>('tags.review', { limit: 200 })).length).toBe(rest.length - 2);
  });

  it('explores the categories as cards with their best photos, and opens one as a page', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Explore")');
    const card = page.locator('[data-testid="explore-list"] button:has-text("stars")');
    const stars = (await api<{ name: string; tagged: number }[]>('tags.list')).find(
      (c) => c.name === 'stars',
    );
    await expect.poll(() => card.textContent()).toContain(`${stars?.tagged ?? -1} photos`);
    // Four covers, each a photo of a star (the accepted one first).
    const covers = await card
      .locator('img')
      .evaluateAll((els) => els.map((e) => e.getAttribute('src') ?? ''));
    expect(covers).toHaveLength(4);
    for (const src of covers) expect((await photoOf(Number(/(\d+)$/.exec(src)?.[1]))).shape).toBe('star');
    await ui.shot('08c-explore');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await ui.shot('08d-explore-1920');
    await page.setViewportSize({ width: 1280, height: 800 });
    await card.click();
    await expect.poll(() => page.locator('[data-testid="page-title"]').textContent()).toBe('stars');
    const shown = await gridIds('explore-grid', 500);
    expect(shown).toEqual(
      await api<number[]>('tags.photos', { id: (stars as unknown as { id: number }).id }),
    );
    expect(shown).toHaveLength(stars?.tagged ?? -1);
    // Each carries the tag, none turned down in review (three were, above).
    for (const id of shown) {
      const { tags } = await api<{ tags: { name: string; source: string }[] }>('photos.get', { id });
      expect(tags.find((t) => t.name === 'stars')?.source, `photo ${id}`).toMatch(/^(auto|accepted|manual)$/);
    }
    await page.click('[data-testid="page-back"]');
    await page.locator('[data-testid="explore-list"]').waitFor();
  });

  it('captions photos in the viewer, fine-tunes with a live plot and shows before and after', async () => {
    const { page } = ui;
    // Caption six photos through the viewer, as a user would.
    await page.fill('#search-input', 'a photo of a green square');
    await page.press('#search-input', 'Enter');
    await page.locator('[data-testid="search-summary"]').waitFor();
    const ids = await gridIds('search-grid', 6);
    await page.click(`[data-testid="search-grid"] [data-photo-id="${ids[0] ?? 0}"]`);
    for (let i = 0; i < ids.length; i++) {
      const p = await photoOf(ids[i] as number);
      const caption = page.locator('[data-testid="caption"]');
      await caption.waitFor();
      await expect.poll(() => page.locator('[data-testid="explain"]').count()).toBe(1);
      await caption.fill(`my ${p.colour} ${p.shape} number ${i}`);
      await caption.press('Enter');
      await expect
        .poll(async () => (await api<{ caption: string | null }>('photos.get', { id: ids[i] })).caption)
        .toBe(`my ${p.colour} ${p.shape} number ${i}`);
      await page.locator('[data-testid="viewer"]').focus();
      await page.keyboard.press('ArrowRight');
    }
    await ui.shot('09-captioned');
    await page.keyboard.press('Escape');
    await page.click('nav button:has-text("Fine-tune")');
    await expect
      .poll(() => page.locator('[data-testid="pairs-table"] tbody tr').count())
      .toBeGreaterThanOrEqual(6);
    // Each pair says where its text came from: the captions just written, the tag confirmed in review.
    const from = await page
      .locator('[data-testid="pairs-table"] tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [r.getAttribute('data-source'), r.querySelector('td.source')?.textContent]),
      );
    expect(from.filter(([source]) => source === 'caption')).toEqual(
      Array.from({ length: 6 }, () => ['caption', 'caption written by you']),
    );
    expect(from.filter(([source]) => source === 'tag')).toEqual([['tag', 'tag confirmed by you in review']]);
    await page.click('[data-testid="finetune-start"]');
    await page.locator('[data-testid="finetune-result"]').waitFor({ timeout: 120_000 });
    const loss = await page
      .locator('[data-testid="finetune-plot"] path[data-series="loss"]')
      .getAttribute('d');
    expect(loss?.split(/[ML]/).filter(Boolean).length).toBeGreaterThan(2);
    // Six pairs are too few to set some aside as a test: no result is claimed.
    expect(await page.locator('[data-testid="finetune-result"]').textContent()).toMatch(
      /How well it finds your photos: not measured: \d+ pairs are too few/,
    );
    await page.locator('[data-testid="adapter-list"]').getByText(/1/).first().waitFor();
    expect(await page.locator('[data-testid="adapter-list"] td.recall').first().textContent()).toContain(
      'not measured',
    );
    // The chart's axis ends where the run did, not at the step budget.
    const steps = Number(
      (await page.locator('[data-testid="adapter-list"] tbody tr td.num').first().textContent())?.replace(
        /\D/g,
        '',
      ),
    );
    expect(Number(await page.locator('[data-testid="finetune-plot"]').getAttribute('data-x-max'))).toBe(
      steps,
    );
    await ui.shot('10-finetune');
    // Leaving the view and coming back keeps the chart and the result.
    await page.click('nav button:has-text("Library")');
    await page.click('nav button:has-text("Fine-tune")');
    await page.locator('[data-testid="finetune-result"]').waitFor();
    expect(
      await page.locator('[data-testid="finetune-plot"] path[data-series="loss"]').getAttribute('d'),
    ).toBe(loss);
  });

  it('makes a manual album from the viewer and a smart album from a query, and opens them', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Albums")');
    await page.fill('[data-testid="album-name"]', 'favourites');
    await page.click('[data-testid="album-create"]');
    await page.locator('[data-testid="album-list"] button:has-text("favourites")').waitFor();
    await page.click('[data-testid="album-new"]');
    await page.fill('[data-testid="album-name"]', 'blue stars');
    await page.fill('[data-testid="album-query"]', 'a photo of a blue star');
    await page.click('[data-testid="album-create"]');
    await page.locator('[data-testid="album-list"] button:has-text("blue stars")').waitFor();
    // Add the top red star to "favourites" from the viewer.
    await page.fill('#search-input', 'a photo of a red star');
    await page.press('#search-input', 'Enter');
    await page.locator('[data-testid="search-summary"]').waitFor();
    const top = (await gridIds('search-grid', 1))[0] as number;
    await page.click(`[data-testid="search-grid"] [data-photo-id="${top}"]`);
    // Its tags say where each came from (Lumen's guess with its score, or the user's own decision).
    const tags = (await api<{ tags: { name: string; from: string }[] }>('photos.get', { id: top })).tags;
    expect(tags.map((t) => t.name)).toContain('stars');
    await page.locator('[data-testid="viewer"] .tag[data-from]').first().waitFor();
    expect(
      await page
        .locator('[data-testid="viewer"] .tag[data-from]')
        .evaluateAll((els) => els.map((e) => [e.textContent, e.getAttribute('data-from')])),
    ).toEqual(tags.map((t) => [t.name, t.from]));
    expect(tags.find((t) => t.name === 'stars')?.from).toMatch(
      /^(guessed by Lumen \(score -?\d\.\d{3}; |(confirmed|turned down) by you in review$)/,
    );
    await page.click('[data-testid="add-to-album"]');
    await page.locator('[data-testid="viewer"] :text("Added to favourites")').waitFor();
    await page.keyboard.press('Escape');
    await page.click('nav button:has-text("Albums")');
    await page.click('[data-testid="album-list"] button:has-text("favourites")');
    expect(await gridIds('album-grid', 5)).toEqual([top]);
    await page.click('[data-testid="page-back"]');
    await page.click('[data-testid="album-list"] button:has-text("blue stars")');
    await expect.poll(async () => (await gridIds('album-grid', 50)).length).toBeGreaterThan(0);
    const inSmart = await Promise.all((await gridIds('album-grid', 3)).map(photoOf));
    expect(inSmart.every((p) => p.colour === 'blue' && p.shape === 'star')).toBe(true);
    await ui.shot('10b-albums');
  });

  it('switches between the light and dark themes', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Settings")');
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await bg();
    await page.click('[data-testid="theme-dark"]');
    await expect.poll(bg).not.toBe(light);
    const [r, g, b] = ((await bg()).match(/\d+/g) ?? []).map(Number);
    expect((r ?? 255) + (g ?? 255) + (b ?? 255)).toBeLessThan(150);
    await ui.shot('11-settings-dark');
    await page.click('nav button:has-text("Library")');
    await ui.shot('12-library-dark');
    await page.click('nav button:has-text("Settings")');
    await page.click('[data-testid="theme-light"]');
    await expect.poll(bg).toBe(light);
    // The large-screen layout, too.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.click('nav button:has-text("Library")');
    await ui.shot('13-library-1920');
  });

  it('shows a photo copied into the folder by itself: the folder is watched', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Library")');
    await expect
      .poll(() => page.locator('[data-testid="watch-state"]').textContent())
      .toContain('added automatically');
    const [extra] = await generatePhotoFolder(join(ui.root, 'elsewhere'), {
      count: 1,
      seed: 607,
      formats: ['jpeg'],
      pairs: [['blue', 'circle']],
    });
    const copied = join(photosDir, 'from the phone.jpg');
    copyFileSync((extra as GeneratedPhoto).path, copied);
    // Newest first: with today's file time the photo opens the grid, without any button pressed.
    await page.waitForFunction(
      () => document.querySelector('[data-testid="library-counts"]')?.textContent.includes('41 photos'),
      undefined,
      { timeout: 30_000 },
    );
    const [id] = (await api<{ ids: number[] }>('photos.timeline', { limit: 1 })).ids;
    expect((await api<{ path: string }>('photos.get', { id })).path).toBe(copied);
    await page.locator(`[data-testid="library-grid"] [data-photo-id="${id}"]`).waitFor({ timeout: 10_000 });
    await ui.shot('14-watched-photo-appears');
  });

  it('marks a folder that goes away as offline, keeping its photos, until it is back', async () => {
    const { page } = ui;
    renameSync(photosDir, `${photosDir} (unplugged)`);
    const badge = page.locator('[data-testid="folder-offline"]');
    await badge.waitFor({ timeout: 30_000 });
    expect(await badge.textContent()).toContain('41 photos kept');
    expect(await page.locator('[data-testid="library-counts"]').textContent()).toContain('41 photos');
    await ui.shot('15-folder-offline');
    renameSync(`${photosDir} (unplugged)`, photosDir);
    await badge.waitFor({ state: 'detached', timeout: 30_000 });
    expect(await page.locator('[data-testid="library-counts"]').textContent()).toContain('41 photos');
  });

  it('turns watching off and on in Settings', async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Settings")');
    const watch = page.locator('[data-testid="settings-watch"]');
    expect(await watch.isChecked()).toBe(true);
    await watch.uncheck();
    await expect
      .poll(async () => (await api<{ watch: { state: string } }>('library.status')).watch.state)
      .toBe('stopped');
    await page.click('nav button:has-text("Library")');
    await expect.poll(() => page.locator('[data-testid="watch-state"]').count()).toBe(0);
    await page.click('nav button:has-text("Settings")');
    await ui.shot('16-settings-watch-off');
    await page.locator('[data-testid="settings-watch"]').check();
    await expect
      .poll(async () => (await api<{ watch: { state: string } }>('library.status')).watch.state)
      .toBe('watching');
  });

  it("writes sidecars with your tags, and Lumen's suggestions only when asked", async () => {
    const { page } = ui;
    await page.click('nav button:has-text("Settings")');
    const xmp = page.locator('[data-testid="settings-xmp"]');
    const auto = page.locator('[data-testid="settings-xmp-auto"]');
    expect(await xmp.isChecked()).toBe(false);
    expect(await auto.isChecked()).toBe(false);
    expect(await auto.isDisabled()).toBe(true); // nothing to include while no sidecars are written
    await xmp.check();
    await expect.poll(() => auto.isDisabled()).toBe(false);
    await auto.check();
    type Stored = { xmpSidecars: boolean; xmpAutoTags: boolean };
    await expect
      .poll(async () => await api<Stored>('settings.get'))
      .toMatchObject({ xmpSidecars: true, xmpAutoTags: true });
    await ui.shot('17-settings-sidecars');
    await auto.uncheck();
    await xmp.uncheck();
    await expect
      .poll(async () => await api<Stored>('settings.get'))
      .toMatchObject({ xmpSidecars: false, xmpAutoTags: false });
  });
});
