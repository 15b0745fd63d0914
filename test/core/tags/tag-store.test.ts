// TagStore's writes of automatic tags: a whole-library re-run rewrites only the tags that changed,
// removes those that no longer apply, and never touches the user's own decisions.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/core/library/database.js';
import { TagStore } from '../../../electron/core/tags/tag-store.js';
import { tempDir } from '../../support/temp.js';

function storeWithPhotos(count: number): TagStore {
  const db = openDatabase(join(tempDir(), 'library.sqlite'));
  db.prepare("INSERT INTO folders (path, added_at) VALUES ('/p', 0)").run();
  const photo = db.prepare('INSERT INTO photos (folder_id, path, size, mtime_ms) VALUES (1, ?, 1, 1)');
  for (let i = 1; i <= count; i++) photo.run(`/p/${i}.jpg`);
  db.prepare("INSERT INTO models (key, name, dim, created_at) VALUES ('m', 'm', 2, 0)").run();
  return new TagStore(db);
}

const from = { modelId: 1, adapter: null, promptSet: '0123456789abcdef' };
type Row = { photo_id: number; source: string; score: number | null; updated_at: number };

describe('replacing automatic tags over the whole library', () => {
  it('rewrites only changed tags, removes stale ones and keeps the user decisions', () => {
    const tags = storeWithPhotos(5);
    const c = tags.addCategory({ name: 'stars', description: 'star' });
    tags.replaceAutoTags(
      c.id,
      null,
      [
        { photoId: 1, score: 0.5, margin: 1 },
        { photoId: 2, score: 0.6, margin: 2 },
        { photoId: 3, score: 0.7, margin: 3 },
      ],
      from,
    );
    tags.setUserTag(4, c.id, 'rejected');
    // Mark every row as written long ago, to see which ones the re-run rewrites.
    tags.db.prepare('UPDATE photo_tags SET updated_at = 1').run();

    tags.replaceAutoTags(
      c.id,
      null,
      [
        { photoId: 1, score: 0.5, margin: 1 }, // unchanged
        { photoId: 3, score: 0.75, margin: 3.5 }, // new score
        { photoId: 4, score: 0.9, margin: 5 }, // the user rejected it: stays rejected
        { photoId: 5, score: 0.8, margin: 4 }, // newly tagged
      ],
      from,
    );
    const rows = new Map(
      (
        tags.db
          .prepare('SELECT photo_id, source, score, updated_at FROM photo_tags WHERE category_id = ?')
          .all(c.id) as Row[]
      ).map((r) => [r.photo_id, r]),
    );
    expect([...rows.keys()].sort()).toEqual([1, 3, 4, 5]); // photo 2 no longer applies
    expect(rows.get(1)?.updated_at).toBe(1);
    expect(rows.get(3)).toMatchObject({ source: 'auto', score: 0.75 });
    expect(rows.get(3)?.updated_at).toBeGreaterThan(1);
    expect(rows.get(4)).toMatchObject({ source: 'rejected', updated_at: 1 });
    expect(rows.get(5)).toMatchObject({ source: 'auto', score: 0.8 });
  });

  it('rewrites a tag whose provenance changed even when its score did not', () => {
    const tags = storeWithPhotos(1);
    const c = tags.addCategory({ name: 'red', description: 'red' });
    tags.replaceAutoTags(c.id, null, [{ photoId: 1, score: 0.5, margin: 1 }], from);
    tags.db.prepare('UPDATE photo_tags SET updated_at = 1').run();
    tags.replaceAutoTags(c.id, null, [{ photoId: 1, score: 0.5, margin: 1 }], { ...from, adapter: 'v2' });
    const row = tags.db.prepare('SELECT adapter, updated_at FROM photo_tags').get() as {
      adapter: string;
      updated_at: number;
    };
    expect(row.adapter).toBe('v2');
    expect(row.updated_at).toBeGreaterThan(1);
  });
});
