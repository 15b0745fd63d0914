// The timeline over a 100k-photo library: newest first by taken-at (mtime without EXIF), ties by id,
// failed and pending photos left out, pages that match the whole, and one index walk with no sort.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../electron/core/library/database.js';
import { timeline } from '../../../electron/core/library/timeline.js';
import { tempDir } from '../../support/temp.js';

const N = 100_000;

describe('timeline', () => {
  const dir = tempDir();
  let db: Db;
  let indexed = 0;

  beforeAll(() => {
    db = openDatabase(join(dir, 'library.sqlite'));
    db.prepare("INSERT INTO folders (path, added_at) VALUES ('/photos', 0)").run();
    const put = db.prepare(
      `INSERT INTO photos (folder_id, path, size, mtime_ms, taken_at, width, height, status)
       VALUES (1, ?, 1, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < N; i++) {
        const status = i % 97 === 0 ? 'failed' : i % 89 === 0 ? 'pending' : 'indexed';
        if (status === 'indexed') indexed++;
        // A third without EXIF dates; minutes that repeat, so ties happen.
        const taken = i % 3 === 0 ? null : 1.5e12 + ((i * 7919) % 20_000) * 60_000;
        const size = i % 11 === 0 ? [null, null] : [4000, 3000 - (i % 2) * 1000];
        put.run(`/photos/${i}.jpg`, 1.5e12 + ((i * 104_729) % 30_000) * 60_000, taken, ...size, status);
      }
    })();
  });

  afterAll(() => {
    db.close();
  });

  it('lists every indexed photo newest first, ties by id', () => {
    const started = performance.now();
    const t = timeline(db);
    console.log(`timeline of ${t.total} photos in ${(performance.now() - started).toFixed(0)} ms`);
    expect(t.total).toBe(indexed);
    expect(t.ids).toHaveLength(indexed);
    const rows = new Map(
      (
        db
          .prepare("SELECT id, taken_at, mtime_ms, width, height FROM photos WHERE status = 'indexed'")
          .all() as {
          id: number;
          taken_at: number | null;
          mtime_ms: number;
          width: number | null;
          height: number | null;
        }[]
      ).map((r) => [r.id, r]),
    );
    // Checked in plain loops (100k expect calls take seconds), then asserted once.
    let ties = 0;
    const wrong: string[] = [];
    t.ids.forEach((id, i) => {
      const r = rows.get(id);
      if (!r) return wrong.push(`${id} is not an indexed photo`);
      if (t.takenAt[i] !== (r.taken_at ?? r.mtime_ms)) wrong.push(`${id}: takenAt ${t.takenAt[i]}`);
      const aspect = r.width && r.height ? r.width / r.height : 1;
      if (Math.abs((t.aspect[i] as number) - aspect) > 1e-4) wrong.push(`${id}: aspect ${t.aspect[i]}`);
      if (i === 0) return;
      const [a, b] = [t.takenAt[i - 1] as number, t.takenAt[i] as number];
      if (a === b) ties++;
      if (!(a > b || (a === b && (t.ids[i - 1] as number) < id))) wrong.push(`${id} out of order at ${i}`);
    });
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(ties).toBeGreaterThan(0);
  });

  it('pages through the same order', () => {
    const all = timeline(db);
    const page = timeline(db, 5000, 250);
    expect(page.total).toBe(indexed);
    expect(page.ids).toEqual(all.ids.slice(5000, 5250));
    expect(page.takenAt).toEqual(all.takenAt.slice(5000, 5250));
    expect(timeline(db, indexed).ids).toEqual([]);
  });

  it('walks the timeline index instead of sorting', () => {
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id, COALESCE(taken_at, mtime_ms), width, height FROM photos
         INDEXED BY photos_timeline WHERE status = 'indexed'
         ORDER BY COALESCE(taken_at, mtime_ms) DESC, id LIMIT -1 OFFSET 0`,
      )
      .all() as { detail: string }[];
    const details = plan.map((p) => p.detail).join('; ');
    expect(details).toMatch(/photos_timeline/);
    expect(details).not.toMatch(/TEMP B-TREE/);
  });
});
