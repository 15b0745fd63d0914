// The filter columns held in memory for large libraries answer exactly as the SQL that small libraries
// use: folders whose names start alike or hold % and _, nested folders, photos without a date, cameras
// with wildcards or non-ASCII letters, pending and failed photos left out. They are built again when
// what filters read changes (not when a star does), and no more often than REBUILD_MS; a category's
// photos are kept until a tag changes.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/core/library/database.js';
import {
  FilterColumns,
  filterColumns,
  REBUILD_MS,
  taggedPhotos,
} from '../../../electron/core/library/filter-columns.js';
import { IdSet } from '../../../electron/core/library/id-set.js';
import { TagStore } from '../../../electron/core/tags/tag-store.js';
import type { SearchFilters } from '../../../electron/core/library/search.js';
import { filterQuery } from '../../../electron/core/library/search-filters.js';
import { Random } from '../../../electron/core/random.js';
import { tempDir } from '../../support/temp.js';

const FOLDERS = ['/p/set', '/p/set-2', '/p/set0', '/p/set 2', '/p/100% real_photos', '/p/set/sub', '/p/Été'];
const CAMERAS = ['Pixel 8', 'iPhone 15', 'Cam_One', 'Cam 100%', null, 'ÉCLAIR X', 'éclair y'];
const FORMATS = ['jpeg', 'png', 'heic'];
const T0 = 1.6e12;
const DAY = 86_400_000;

describe('FilterColumns', () => {
  const dir = tempDir();
  let db: Db;

  beforeAll(() => {
    db = openDatabase(join(dir, 'library.sqlite'));
    db.prepare("INSERT INTO folders (path, added_at) VALUES ('/p', 0)").run();
    const put = db.prepare(
      `INSERT INTO photos (folder_id, path, size, mtime_ms, taken_at, format, camera, status)
       VALUES (1, ?, 1, ?, ?, ?, ?, ?)`,
    );
    const rng = new Random(5);
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        const status = i % 13 === 0 ? 'pending' : i % 17 === 0 ? 'failed' : 'indexed';
        const folder = FOLDERS[rng.int(0, FOLDERS.length - 1)] as string;
        put.run(
          `${folder}/IMG_${i}.jpg`,
          T0 + rng.int(0, 400) * DAY,
          i % 4 === 0 ? null : T0 + rng.int(0, 400) * DAY,
          FORMATS[rng.int(0, FORMATS.length - 1)],
          CAMERAS[rng.int(0, CAMERAS.length - 1)],
          status,
        );
      }
    })();
  });

  afterAll(() => {
    db.close();
  });

  const bySql = (filters: SearchFilters): number[] => {
    const q = filterQuery(filters);
    if (!q) throw new Error('no filter');
    return (
      db
        .prepare(q.sql)
        .pluck()
        .all(...q.args) as number[]
    ).sort((a, b) => a - b);
  };

  it('allows exactly the photos the SQL allows, for every filter and combination', () => {
    const columns = FilterColumns.build(db);
    const cases: SearchFilters[] = [
      ...FOLDERS.flatMap((folder) => [{ folder }, { folder: `${folder}/` }]),
      { folder: '/p/se' },
      { folder: '/p' },
      { folder: '/elsewhere' },
      { from: T0 + 100 * DAY },
      { to: T0 + 100 * DAY },
      { from: T0 + 100 * DAY, to: T0 + 101 * DAY },
      // Bounds on photos' own times (inclusive), past every photo, and the wrong way round.
      { from: T0 + 400 * DAY },
      { to: T0 },
      { to: T0 - 1 },
      { from: T0 + 101 * DAY, to: T0 + 100 * DAY },
      // The dates narrower than the folder (read by date, the folder checked) and the other way.
      { folder: '/p/set', from: T0 + 10 * DAY, to: T0 + 12 * DAY },
      { folder: '/p/Été', from: T0, to: T0 + 399 * DAY },
      { formats: ['jpg'] },
      { formats: ['png', 'heic'] },
      { camera: 'cam' },
      { camera: '_' },
      { camera: '%' },
      { camera: 'iphone' },
      { camera: 'éclair' },
      { camera: 'ÉCLAIR' },
      { camera: 'nothing like it' },
      { folder: '/p/set', from: T0 + 50 * DAY, formats: ['jpeg'], camera: 'pixel' },
      { folder: '/p/100% real_photos', to: T0 + 300 * DAY, camera: '1' },
    ];
    for (const filters of cases) {
      const want = bySql(filters);
      expect([...columns.allowed(filters)], JSON.stringify(filters)).toEqual(want);
    }
    // And what that means: a folder takes in its subfolders, never a sibling that starts alike.
    const set = [...columns.allowed({ folder: '/p/set' })];
    const paths = db.prepare('SELECT id, path FROM photos').all() as { id: number; path: string }[];
    const under = paths.filter((p) => p.path.startsWith('/p/set/')).map((p) => p.id);
    expect(set.length).toBeGreaterThan(0);
    expect(set.every((id) => under.includes(id))).toBe(true);
  });

  it('is built again when what filters read changes, not for a star, and not more often than REBUILD_MS', () => {
    const first = filterColumns(db);
    expect(first).not.toBeNull();
    db.prepare('UPDATE photos SET rating = 5 WHERE id = 2').run();
    expect(filterColumns(db)).toBe(first);
    db.prepare("UPDATE photos SET camera = 'Zeiss Ikon' WHERE id = 2").run();
    // Too soon after the last build: the caller is told to answer from SQL.
    expect(filterColumns(db, (first?.builtAt ?? 0) + REBUILD_MS - 1)).toBeNull();
    const again = filterColumns(db, (first?.builtAt ?? 0) + REBUILD_MS);
    expect(again).not.toBe(first);
    expect([...(again?.allowed({ camera: 'zeiss' }) ?? [])]).toEqual(bySql({ camera: 'zeiss' }));
    expect(bySql({ camera: 'zeiss' })).toEqual([2]);
    // A new photo and a removed one move the counter too.
    const before = FilterColumns.counter(db);
    db.prepare(
      "INSERT INTO photos (folder_id, path, size, mtime_ms, format, status) VALUES (1, '/p/new.jpg', 1, 0, 'jpeg', 'indexed')",
    ).run();
    db.prepare('DELETE FROM photos WHERE id = 3').run();
    expect(FilterColumns.counter(db)).toBe(before + 2);
  });

  it("keeps a category's photos until a tag changes, and hands out copies the caller may change", () => {
    const tags = new TagStore(db);
    const { id } = tags.addCategory({ name: 'kept', auto: false });
    tags.setUserTags([1, 2, 4], id, 'manual');
    let reads = 0;
    const read = (c: number): IdSet => {
      reads++;
      return tags.photosTagged([c]);
    };
    const first = taggedPhotos(db, id, read);
    expect([...first]).toEqual([1, 2, 4]);
    first.delete(1); // the caller's own copy
    expect([...taggedPhotos(db, id, read)]).toEqual([1, 2, 4]);
    expect(reads).toBe(1);
    // A photo's other columns changing leaves tags alone; a tag rejected is read again.
    db.prepare("UPDATE photos SET camera = 'Other' WHERE id = 4").run();
    expect(taggedPhotos(db, id, read).size).toBe(3);
    expect(reads).toBe(1);
    tags.setUserTags([2], id, 'rejected');
    expect([...taggedPhotos(db, id, read)]).toEqual([1, 4]);
    expect(reads).toBe(2);
  });
});
