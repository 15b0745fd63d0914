// Moving photos to the trash from the library: the file and its own sidecar go to the (real,
// freedesktop) trash and the library forgets the photo with its captions, tags and album places; a
// sidecar shared by a RAW+JPEG pair stays with the RAW; a photo whose file will not go is kept; a photo
// file swapped for a link sends the link, never what it points at.

import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryRecords, openLibraryDatabase } from '../../../electron/core/library/library-records.js';
import { systemTrash } from '../../../electron/core/library/system-trash.js';
import { trashPhotos } from '../../../electron/core/library/trash-photos.js';
import { tempDir } from '../../support/temp.js';

describe('trashPhotos', () => {
  const root = tempDir();
  const photos = join(root, 'photos');
  const trashFiles = join(root, 'data', 'Trash', 'files');
  const trash = systemTrash('linux', { XDG_DATA_HOME: join(root, 'data') });
  let records: LibraryRecords;
  const ids: Record<string, number> = {};
  const target = () => ({
    store: records.store,
    removePhotos: (gone: readonly number[]) => {
      records.store.deletePhotos(gone);
    },
  });

  beforeAll(() => {
    mkdirSync(photos);
    const dbPath = join(root, 'lib', 'library.sqlite');
    openLibraryDatabase(dbPath, { create: true }).close();
    records = LibraryRecords.openExisting(dbPath);
    const folder = records.store.addFolder(photos);
    for (const name of ['beach.jpg', 'pair.jpg', 'pair.cr2', 'gone.jpg', 'link.jpg']) {
      const path = join(photos, name);
      if (name === 'link.jpg') symlinkSync(join(root, 'precious.txt'), path);
      else writeFileSync(path, `pixels of ${name}`);
      ids[name] = records.store.insertPending(folder.id, path, 1, 1);
    }
    writeFileSync(join(root, 'precious.txt'), 'not a photo');
    writeFileSync(join(photos, 'beach.jpg.xmp'), '<x:xmpmeta/>');
    writeFileSync(join(photos, 'pair.xmp'), '<x:xmpmeta/>');
    records.store.movePhoto(ids['gone.jpg'] as number, folder.id, join(root, 'unplugged', 'gone.jpg'), 0);
    records.tags.setCaption(ids['beach.jpg'] as number, 'sunset on the beach', 'user');
    const album = records.albums.create('Summer');
    records.albums.add(album.id, [ids['beach.jpg'] as number, ids['pair.jpg'] as number]);
  });

  afterAll(() => {
    records.close();
  });

  it('says first what the library would lose', () => {
    expect(
      records.store.photosFootprint([ids['beach.jpg'] as number, ids['pair.jpg'] as number, 999]),
    ).toEqual({
      photos: 2,
      captions: 1,
      tags: 0,
      albums: 1,
    });
  });

  it('trashes the file with its own sidecar and forgets the photo, caption and album place', async () => {
    const beach = ids['beach.jpg'] as number;
    const report = await trashPhotos(target(), [beach], trash);
    expect(report).toEqual({ trashed: [beach], failed: [] });
    expect(existsSync(join(photos, 'beach.jpg'))).toBe(false);
    expect(existsSync(join(photos, 'beach.jpg.xmp'))).toBe(false);
    expect(readdirSync(trashFiles).sort()).toEqual(['beach.jpg', 'beach.jpg.xmp']);
    expect(records.store.photo(beach)).toBeUndefined();
    expect(records.tags.caption(beach)).toBeUndefined();
    const album = records.albums.byName('Summer');
    expect(records.albums.members(album?.id ?? 0)).toEqual([ids['pair.jpg']]);
  });

  it('leaves a sidecar the RAW of a RAW+JPEG pair still needs', async () => {
    await trashPhotos(target(), [ids['pair.jpg'] as number], trash);
    expect(existsSync(join(photos, 'pair.jpg'))).toBe(false);
    expect(existsSync(join(photos, 'pair.xmp'))).toBe(true);
    expect(existsSync(join(photos, 'pair.cr2'))).toBe(true);
  });

  it('keeps a photo whose file will not go, and reports it', async () => {
    const gone = ids['gone.jpg'] as number;
    const report = await trashPhotos(target(), [gone, 12345], trash);
    expect(report.trashed).toEqual([]);
    expect(report.failed.map((f) => [f.id, f.path])).toEqual([
      [gone, join(root, 'unplugged', 'gone.jpg')],
      [12345, null],
    ]);
    expect(report.failed[0]?.error).toMatch(/not there any more/);
    expect(report.failed[1]?.error).toBe('not in the library');
    expect(records.store.photo(gone)).toBeDefined();
  });

  it('sends a photo file swapped for a link to the trash as the link, never what it points at', async () => {
    await trashPhotos(target(), [ids['link.jpg'] as number], trash);
    expect(statSync(join(root, 'precious.txt')).isFile()).toBe(true);
    expect(readdirSync(trashFiles)).toContain('link.jpg');
  });
});
