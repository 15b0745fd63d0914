// The library engine end to end on a generated photo folder with the test model: index, search by text
// and by example, filters, incremental rescan, move detection, deletions, bad files, reopening.

import { readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import { MIN_RESULTS, Searcher } from '../../../electron/core/library/search.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../../scripts/shapes/photo-folder.js';
import { tempDir } from '../../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);

describe('library', () => {
  const root = tempDir();
  const photosDir = join(root, 'photos');
  const dbPath = join(root, 'data', 'library.sqlite');
  let photos: GeneratedPhoto[] = [];
  let library: Library;
  const tagged3: string[] = [];
  const byPath = (): Map<string, GeneratedPhoto> => new Map(photos.map((p) => [p.path, p]));

  beforeAll(async () => {
    photos = [
      ...(await generatePhotoFolder(photosDir, { count: 120, seed: 31, orientations: true, subfolders: 3 })),
      // Enough red circles and blue stars for precision@10.
      ...(await generatePhotoFolder(join(photosDir, 'extra'), {
        count: 24,
        seed: 32,
        pairs: [
          ['red', 'circle'],
          ['blue', 'star'],
        ],
      })),
    ];
    // Bad files with image extensions, in among the good ones.
    writeFileSync(join(photosDir, 'set-0', 'empty.jpg'), '');
    writeFileSync(join(photosDir, 'set-0', 'notes.png'), 'not a picture at all');
    writeFileSync(
      join(photosDir, 'set-1', 'truncated.jpg'),
      readFileSync(photos[0]?.path ?? '').subarray(0, 300),
    );
    // Three JPEGs from a camera with a date and a place.
    for (const p of photos.filter((x) => x.format === 'jpeg').slice(0, 3)) {
      const tagged = await sharp(p.path)
        .withExif({
          IFD0: { Make: 'Panasonic', Model: 'DMC-LX100' },
          IFD2: { DateTimeOriginal: '2019:07:14 10:30:00', LensModel: 'LEICA DC 10.9-34mm' },
          IFD3: {
            GPSLatitudeRef: 'N',
            GPSLatitude: '48/1 51/1 30/1',
            GPSLongitudeRef: 'E',
            GPSLongitude: '2/1 17/1 40/1',
          },
        })
        .jpeg({ quality: 90 })
        .toBuffer();
      writeFileSync(p.path, tagged);
      tagged3.push(p.path);
    }
    library = Library.open({ dbPath, model });
    library.addFolder(photosDir);
  }, 300_000);

  afterAll(() => {
    library.close();
  });

  it('indexes every photo, recording bad files with their error', async () => {
    const scan = await library.scan();
    expect(scan.added).toBe(147);
    const progress: number[] = [];
    const { job, ids } = library.indexJob({ onProgress: (p) => progress.push(p.done) });
    const result = await job.run(ids);
    expect(result).toMatchObject({ done: 147, indexed: 144, failed: 3, state: 'finished' });
    expect(progress.at(-1)).toBe(147);
    const status = library.status();
    expect(status).toMatchObject({ total: 147, indexed: 144, failed: 3, pending: 0 });
    expect(status.failures.map((f) => f.path.split('/').pop())).toEqual([
      'empty.jpg',
      'notes.png',
      'truncated.jpg',
    ]);
    expect(status.failures.map((f) => f.error)).toEqual([
      'file is empty',
      'not a supported image format',
      expect.stringMatching(/cannot decode image/) as string,
    ]);
    expect(library.index.size).toBe(144);
  });

  it('stores metadata and a thumbnail for each photo', () => {
    const p = photos.find((x) => x.orientation === 6) as GeneratedPhoto;
    const row = library.store.photoByPath(p.path);
    expect(row).toMatchObject({ width: p.width, height: p.height, format: 'jpeg', status: 'indexed' });
    expect(row?.content_hash).toMatch(/^[0-9a-f]{64}$/);
    const thumb = library.store.thumbnail(row?.id ?? -1);
    expect(Math.max(thumb?.width ?? 0, thumb?.height ?? 0)).toBeLessThanOrEqual(320);
    // The thumbnail is upright: same orientation (landscape/portrait) as the displayed photo.
    expect((thumb?.width ?? 0) > (thumb?.height ?? 0)).toBe(p.width > p.height);
  });

  it('reads date, camera, lens and place from EXIF', () => {
    const row = library.store.photoByPath(tagged3[0] ?? '');
    expect(row).toMatchObject({ camera: 'Panasonic DMC-LX100', lens: 'LEICA DC 10.9-34mm' });
    expect(new Date(row?.taken_at ?? 0).getUTCFullYear()).toBe(2019);
    expect(row?.gps_lat).toBeCloseTo(48.8583, 3);
    expect(row?.gps_lon).toBeCloseTo(2.2944, 3);
  });

  it('filters by camera and date, and sorts by date', async () => {
    const searcher = new Searcher(library);
    const byCamera = await searcher.search('a photo of a circle', {
      limit: 10,
      matches: 'all',
      filters: { camera: 'lx100' },
    });
    expect(byCamera.hits.map((h) => h.path).sort()).toEqual([...tagged3].sort());
    const in2019 = await searcher.search('a photo', {
      limit: 10,
      matches: 'all',
      filters: { from: Date.UTC(2019, 0, 1), to: Date.UTC(2019, 11, 31) },
    });
    expect(in2019.hits.map((h) => h.path).sort()).toEqual([...tagged3].sort());
    const byDate = await searcher.search('a photo of a square', { limit: 20, matches: 'all', sort: 'date' });
    const times = byDate.hits.map((h) => h.takenAt ?? 0);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('finds red circles first for "a photo of a red circle" (precision@10 >= 0.9)', async () => {
    const result = await new Searcher(library).search('a photo of a red circle', {
      limit: 10,
      matches: 'all',
    });
    const top = result.hits.map((h) => byPath().get(h.path));
    const precision = top.filter((p) => p?.colour === 'red' && p.shape === 'circle').length / 10;
    process.stdout.write(`precision@10 "a photo of a red circle": ${precision}\n`);
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(result.hits[0]?.score).toBeGreaterThan(result.hits[9]?.score ?? 1);
  });

  it('finds the same colour and shape first by example', async () => {
    const example = photos.find((p) => p.colour === 'blue' && p.shape === 'star') as GeneratedPhoto;
    const result = await new Searcher(library).similar(example.path, { limit: 5 });
    expect(result.hits.map((h) => h.path)).not.toContain(example.path);
    const top = result.hits.map((h) => byPath().get(h.path));
    expect(top.filter((p) => p?.colour === 'blue' && p.shape === 'star').length).toBeGreaterThanOrEqual(4);
  });

  it('applies filters inside the search and still returns k results when k match', async () => {
    const folder = join(photosDir, 'set-2');
    const inFolder = photos.filter((p) => p.path.startsWith(folder + '/')).length;
    const searcher = new Searcher(library);
    const r = await searcher.search('a photo of a red circle', {
      limit: 10,
      matches: 'all',
      filters: { folder },
    });
    expect(r.hits).toHaveLength(Math.min(10, inFolder));
    expect(r.hits.every((h) => h.path.startsWith(folder + '/'))).toBe(true);
    const pngs = await searcher.search('a photo of a red circle', {
      limit: 5,
      matches: 'all',
      filters: { formats: ['png'] },
    });
    expect(pngs.hits).toHaveLength(5);
    expect(pngs.hits.every((h) => h.path.endsWith('.png'))).toBe(true);
  });

  it('at its defaults, shows every photo that stands out and says how many', async () => {
    const searcher = new Searcher(library);
    const isRedCircle = (path: string): boolean =>
      byPath().get(path)?.colour === 'red' && byPath().get(path)?.shape === 'circle';
    const redCircles = photos.filter((p) => isRedCircle(p.path)).length;
    const r = await searcher.search('a photo of a red circle');
    expect(r.cutoff).not.toBeNull();
    const strong = r.hits.filter((h) => h.strong);
    expect(strong.every((h) => h.score >= (r.cutoff ?? 1))).toBe(true);
    expect(r.strong).toBe(strong.length);
    expect(r.searched).toBe(library.index.size);
    // Every red circle, or all but one straggler, and at most two other photos.
    expect(strong.filter((h) => isRedCircle(h.path)).length).toBeGreaterThanOrEqual(redCircles - 1);
    expect(strong.filter((h) => !isRedCircle(h.path)).length).toBeLessThanOrEqual(2);
    // Never fewer than MIN_RESULTS unless asked: weaker matches fill up, marked, after the strong ones.
    expect(r.hits.length).toBe(Math.max(strong.length, MIN_RESULTS));
    expect(r.hits.slice(0, strong.length).every((h) => h.strong)).toBe(true);
    const strict = await searcher.search('a photo of a red circle', { matches: 'strong' });
    expect(strict.hits.map((h) => h.id)).toEqual(strong.map((h) => h.id));
    const all = await searcher.search('a photo of a red circle', { matches: 'all', limit: 60 });
    expect(all.hits).toHaveLength(60);
    expect(all.hits.slice(0, strong.length).map((h) => h.id)).toEqual(strong.map((h) => h.id));
  });

  it('shows the closest photos, ranked, when nothing stands out', async () => {
    const r = await new Searcher(library).search('a bowl of noodles on a wooden table');
    expect(r).toMatchObject({ cutoff: null, strong: 0 });
    expect(r.hits).toHaveLength(20);
    expect(r.hits.every((h) => !h.strong)).toBe(true);
    const strict = await new Searcher(library).search('a bowl of noodles on a wooden table', {
      matches: 'strong',
    });
    expect(strict.hits).toEqual([]);
  });

  it('rescans an unchanged library without reading a photo', async () => {
    const scan = await library.scan();
    expect(scan).toMatchObject({ added: 0, changed: 0, moved: 0, removed: 0, unchanged: 147 });
    expect(library.store.pendingIds()).toEqual([]);
  });

  it('recognises a moved and renamed photo by content, keeping its row and embedding', async () => {
    const p = photos[5] as GeneratedPhoto;
    const before = library.store.photoByPath(p.path);
    const moved = join(photosDir, 'set-0', 'renamed-holiday.jpg');
    renameSync(p.path, moved);
    const scan = await library.scan();
    expect(scan).toMatchObject({ added: 0, moved: 1, removed: 0 });
    const after = library.store.photoByPath(moved);
    expect(after?.id).toBe(before?.id);
    expect(after?.status).toBe('indexed');
    expect(library.index.has(after?.id ?? -1)).toBe(true);
    p.path = moved;
  });

  it('re-indexes a changed photo and forgets a deleted one', async () => {
    const changed = photos[7] as GeneratedPhoto;
    await sharp({ create: { width: 100, height: 80, channels: 3, background: '#1c1' } })
      .jpeg()
      .toFile(changed.path);
    utimesSync(changed.path, new Date(), new Date(Date.now() + 5000));
    const deleted = photos[8] as GeneratedPhoto;
    rmSync(deleted.path);
    const deletedId = library.store.photoByPath(deleted.path)?.id ?? -1;
    const scan = await library.scan();
    expect(scan).toMatchObject({ changed: 1, removed: 1 });
    expect(library.index.has(deletedId)).toBe(false);
    const { job, ids } = library.indexJob();
    expect(ids).toEqual([library.store.photoByPath(changed.path)?.id]);
    await job.run(ids);
    expect(library.status()).toMatchObject({ total: 146, indexed: 143, pending: 0 });
    photos = photos.filter((p) => p !== deleted && p !== changed);
  });

  it('reopens from the saved index, and repairs a stale or missing one', () => {
    library.close();
    const reopened = Library.open({ dbPath, model });
    expect(reopened.repair).toEqual({ action: 'loaded', count: 143 });
    const file = join(root, 'data', 'index', `model-${reopened.modelId}.hnsw`);
    reopened.close();
    // A crash after a commit: the database moved on, the index file did not.
    const crashed = Library.open({ dbPath, model });
    const gone = crashed.store.photoByPath(photos[9]?.path ?? '')?.id ?? -1;
    utimesSync(file, 0, 0);
    crashed.removePhotos([gone]); // what a deleted file or the trash does
    expect(crashed.index.has(gone)).toBe(false);
    expect(statSync(file).mtimeMs).toBe(0); // not written for a removal: ~5 s at a million photos
    crashed.db.close(); // no index save
    const stale = Library.open({ dbPath, model });
    expect(stale.repair).toMatchObject({ action: 'patched', removed: 1, added: 0, count: 142 });
    stale.close();
    rmSync(file);
    library = Library.open({ dbPath, model });
    expect(library.repair).toMatchObject({ action: 'rebuilt', count: 142, reason: 'no index file' });
  });
});
