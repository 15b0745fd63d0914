// Reconciling folders with the disk as every path does it (library-scan.ts): the library's own files
// are never photos, even inside a photo folder; the user's exclusions leave files and folders out; a
// folder that is not there, or is empty where photos were (an unmounted drive), keeps its photos as
// offline until it returns; a scan of some paths touches only them; a file still being written waits.

import { mkdirSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { updateLibrary } from '../../../electron/core/library/library-update.js';
import { Library } from '../../../electron/core/library/library.js';
import { generatePhotoFolder } from '../../../scripts/shapes/photo-folder.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);

describe('a library stored inside a photo folder', () => {
  it('holds the photos once after three rescans: its thumbnails and index are not photos', async () => {
    const photos = join(tempDir(), 'Pictures');
    await generatePhotoFolder(photos, { count: 10, seed: 5, formats: ['jpeg'] });
    const library = Library.open({ dbPath: join(photos, 'Lumen', 'library.sqlite'), model });
    try {
      library.addFolder(photos);
      for (let i = 0; i < 3; i++) {
        const report = await updateLibrary(library).done;
        expect(report.state).toBe('finished');
        expect(library.status().total).toBe(10);
      }
      // The thumbnails are there, as images, right inside the photo folder.
      const thumbs = readdirSync(join(photos, 'Lumen', 'thumbnails'), { recursive: true }).filter((f) =>
        String(f).endsWith('.webp'),
      );
      expect(thumbs).toHaveLength(10);
      expect(library.status()).toMatchObject({ total: 10, indexed: 10, failed: 0 });
    } finally {
      library.close();
    }
  });
});

describe('scans', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const drive = join(root, 'drive');
  const library = Library.open({ dbPath: join(root, 'lib', 'library.sqlite'), model });
  afterAll(() => {
    library.close();
  });
  const paths = (): string[] =>
    library.db.prepare('SELECT path FROM photos ORDER BY path').pluck().all() as string[];

  it("leaves out what the user's exclusions name, and forgets photos once excluded", async () => {
    const made = await generatePhotoFolder(folder, { count: 6, seed: 6, formats: ['jpeg'] });
    mkdirSync(join(folder, 'Screenshots'));
    mkdirSync(join(folder, 'Trips', 'raw'), { recursive: true });
    cpSync(made[0]?.path ?? '', join(folder, 'Screenshots', 'shot.jpg'));
    cpSync(made[1]?.path ?? '', join(folder, 'Trips', 'raw', 'r.jpg'));
    cpSync(made[2]?.path ?? '', join(folder, 'Trips', 'kept.jpg'));
    cpSync(made[3]?.path ?? '', join(folder, 'half.tmp.jpg'));
    library.addFolder(folder);
    await library.scan();
    expect(paths()).toHaveLength(10);
    library.settings.set({ exclude: ['screenshots', '*.tmp.jpg', 'Trips/raw'] });
    const summary = await library.scan();
    expect(summary.removed).toBe(3);
    expect(paths()).not.toContain(join(folder, 'Screenshots', 'shot.jpg'));
    expect(paths()).not.toContain(join(folder, 'Trips', 'raw', 'r.jpg'));
    expect(paths()).not.toContain(join(folder, 'half.tmp.jpg'));
    expect(paths()).toContain(join(folder, 'Trips', 'kept.jpg'));
    library.settings.set({ exclude: [] });
    expect((await library.scan()).added).toBe(3);
  });

  it('keeps the photos of a folder that is gone, as offline, and takes it back whole', async () => {
    await generatePhotoFolder(drive, { count: 3, seed: 7, formats: ['jpeg'] });
    library.addFolder(drive);
    await library.scan();
    const ids = paths().filter((p) => p.startsWith(drive));
    expect(ids).toHaveLength(3);
    renameSync(drive, `${drive}-away`);
    const away = await library.scan();
    expect(away).toMatchObject({ removed: 0, offline: [drive] });
    expect(away.problems[0]?.error).toMatch(/folder unavailable \(not found\); its photos are kept/);
    expect(library.status().offline).toEqual([
      { path: drive, since: expect.any(Number) as number, photos: 3 },
    ]);
    expect(paths().filter((p) => p.startsWith(drive))).toEqual(ids);
    // Even a scan of paths inside it keeps them.
    expect(await library.scan({ paths: [join(drive, 'x.jpg'), drive] })).toMatchObject({ removed: 0 });
    renameSync(`${drive}-away`, drive);
    rmSync(ids[0] ?? '');
    const back = await library.scan({ paths: [join(root, 'elsewhere')] });
    expect(back).toMatchObject({ returned: [drive], removed: 1, offline: [] });
    expect(library.status().offline).toEqual([]);
  });

  it('treats a folder emptied under its photos (an unmounted drive) as offline', async () => {
    const kept = paths().filter((p) => p.startsWith(drive));
    renameSync(drive, `${drive}-mounted`);
    mkdirSync(drive); // the empty mount point left behind
    const s = await library.scan();
    expect(s).toMatchObject({ removed: 0, offline: [drive] });
    expect(s.problems[0]?.error).toMatch(/empty.*unmounted drive/);
    expect(paths().filter((p) => p.startsWith(drive))).toEqual(kept);
    rmSync(drive, { recursive: true });
    renameSync(`${drive}-mounted`, drive);
    expect(await library.scan()).toMatchObject({ returned: [drive], removed: 0, added: 0 });
  });

  it('compares only the paths it is given', async () => {
    const [a, b] = paths().filter((p) => p.startsWith(folder));
    rmSync(a ?? '');
    rmSync(b ?? '');
    expect(await library.scan({ paths: [a ?? ''] })).toMatchObject({ removed: 1 });
    expect(paths()).toContain(b);
    expect(await library.scan()).toMatchObject({ removed: 1 });
  });

  it('leaves a file written moments ago for a later scan when asked to let writes settle', async () => {
    const path = join(folder, 'arriving.jpg');
    writeFileSync(path, 'still being copied');
    const now = await library.scan({ paths: [path], settleMs: 2000 });
    expect(now).toMatchObject({ added: 0, unsettled: 1 });
    const then = (Date.now() - 5000) / 1000;
    utimesSync(path, then, then);
    expect(await library.scan({ paths: [path], settleMs: 2000 })).toMatchObject({ added: 1, unsettled: 0 });
  });
});
