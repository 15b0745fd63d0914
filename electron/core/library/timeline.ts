// The library as a timeline: every indexed photo, newest first by when it was taken (the file's mtime
// where it has no EXIF date), ties by id. Parallel arrays instead of one object per photo, so 100k
// photos are a couple of megabytes of JSON; one walk of the photos_timeline index (migration 4), which
// makes a page of any size at any offset cheap, plus a count.

import type { Db } from './database.js';

export interface Timeline {
  /** Indexed photos in the library (not just this page). */
  total: number;
  ids: number[];
  /** Taken-at in ms since the epoch, or the file's mtime where the photo has no EXIF date. */
  takenAt: (number | null)[];
  /** Width / height as displayed (1 where unknown), to 4 decimals. */
  aspect: number[];
}

export function timeline(db: Db, offset = 0, limit = -1): Timeline {
  return db.transaction(() => page(db, offset, limit))();
}

function page(db: Db, offset: number, limit: number): Timeline {
  const rows = db
    .prepare(
      `SELECT id, COALESCE(taken_at, mtime_ms), width, height FROM photos INDEXED BY photos_timeline
       WHERE status = 'indexed' ORDER BY COALESCE(taken_at, mtime_ms) DESC, id LIMIT ? OFFSET ?`,
    )
    .raw()
    .all(limit, offset) as [number, number | null, number | null, number | null][];
  const out: Timeline = {
    // The whole timeline in one page counts itself; a count is cheap on photos_status otherwise.
    total:
      offset === 0 && limit < 0
        ? rows.length
        : (db.prepare("SELECT COUNT(*) FROM photos WHERE status = 'indexed'").pluck().get() as number),
    ids: new Array<number>(rows.length),
    takenAt: new Array<number | null>(rows.length),
    aspect: new Array<number>(rows.length),
  };
  rows.forEach(([id, t, w, h], i) => {
    out.ids[i] = id;
    out.takenAt[i] = t;
    out.aspect[i] = w && h ? Math.round((w / h) * 1e4) / 1e4 : 1;
  });
  return out;
}
