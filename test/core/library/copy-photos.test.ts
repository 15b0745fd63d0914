// Copying photos to a folder the user picked, attacked as a careless user or a hostile caller would:
// relative and missing folders, a file named as the folder, the library's own folders, names already
// taken (a file, a dangling link), a photo whose drive is gone. Nothing at the destination is replaced.

import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyPhotos } from '../../../electron/core/library/copy-photos.js';
import { LibraryRecords, openLibraryDatabase } from '../../../electron/core/library/library-records.js';
import { tempDir } from '../../support/temp.js';

describe('copyPhotos', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  let records: LibraryRecords;
  const ids: number[] = [];

  beforeAll(() => {
    mkdirSync(photos);
    const dbPath = join(root, 'lib', 'library.sqlite');
    openLibraryDatabase(dbPath, { create: true }).close();
    records = LibraryRecords.openExisting(dbPath);
    const folder = records.store.addFolder(photos);
    for (const name of ['beach.jpg', 'rose.jpg', 'gone.jpg']) {
      const path = join(photos, name);
      writeFileSync(path, `pixels of ${name}`);
      ids.push(records.store.insertPending(folder.id, path, statSync(path).size, statSync(path).mtimeMs));
    }
    // rose.jpg has its tags in a sidecar; gone.jpg is on a drive that is not connected now.
    writeFileSync(join(photos, 'rose.jpg.xmp'), '<x:xmpmeta/>');
    records.store.movePhoto(ids[2] as number, folder.id, join(root, 'unplugged', 'gone.jpg'), 0);
  });

  afterAll(() => {
    records.close();
  });

  it('refuses a relative path, a missing folder, a file, and the library’s own folders', async () => {
    await expect(copyPhotos(records, ids, 'Export')).rejects.toThrow(
      /give the folder's full path, not "Export"/,
    );
    await expect(copyPhotos(records, ids, join(root, 'nope'))).rejects.toThrow(/^no folder /);
    await expect(copyPhotos(records, ids, join(photos, 'beach.jpg'))).rejects.toThrow(
      /is a file, not a folder/,
    );
    const thumbs = join(records.dataDir, 'thumbnails');
    mkdirSync(thumbs, { recursive: true });
    for (const own of [thumbs, records.dataDir])
      await expect(copyPhotos(records, ids, own)).rejects.toThrow(/where Lumen keeps its own data/);
    expect(readdirSync(thumbs)).toEqual([]);
  });

  it('copies files and sidecars, never replacing what is there, and reports what it could not copy', async () => {
    const dest = join(root, 'export');
    mkdirSync(dest);
    writeFileSync(join(dest, 'beach.jpg'), 'my own beach.jpg');
    // A dangling link where rose.jpg would go: a copy must not write through it.
    const target = join(root, 'elsewhere.jpg');
    symlinkSync(target, join(dest, 'rose.jpg'));
    const report = await copyPhotos(records, [...ids, 999], dest);
    expect(report.copied).toEqual([
      { id: ids[0], to: join(dest, 'beach (2).jpg') },
      { id: ids[1], to: join(dest, 'rose (2).jpg') },
    ]);
    expect(report.failed).toEqual([
      {
        id: ids[2],
        path: join(root, 'unplugged', 'gone.jpg'),
        error: 'the file is not there (is its drive connected?)',
      },
      { id: 999, path: null, error: 'not in the library' },
    ]);
    expect(readFileSync(join(dest, 'beach.jpg'), 'utf8')).toBe('my own beach.jpg');
    expect(readFileSync(join(dest, 'beach (2).jpg'), 'utf8')).toBe('pixels of beach.jpg');
    expect(existsSync(target)).toBe(false);
    expect(readFileSync(join(dest, 'rose (2).jpg.xmp'), 'utf8')).toBe('<x:xmpmeta/>');
    expect(readdirSync(dest).sort()).toEqual([
      'beach (2).jpg',
      'beach.jpg',
      'rose (2).jpg',
      'rose (2).jpg.xmp',
      'rose.jpg',
    ]);
  });
});
