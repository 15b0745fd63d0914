// The library's rows: folders, photos and their state, models and embeddings. Prepared statements over
// one better-sqlite3 connection; every multi-row change runs in a transaction.

import type { Db } from './database.js';
import type { VectorSource } from './vector-index.js';

export type PhotoStatus = 'pending' | 'indexed' | 'failed';

export interface PhotoRow {
  id: number;
  folder_id: number;
  path: string;
  size: number;
  mtime_ms: number;
  content_hash: string | null;
  width: number | null;
  height: number | null;
  format: string | null;
  taken_at: number | null;
  camera: string | null;
  lens: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  orientation: number | null;
  status: PhotoStatus;
  error: string | null;
  indexed_at: number | null;
  /** Stars 0-5 (0: unrated on purpose); null when never rated. */
  rating: number | null;
  favorite: 0 | 1;
}

export interface FolderRow {
  id: number;
  path: string;
  added_at: number;
  /** When a scan found the folder unavailable (an unplugged drive); null while it is there. */
  offline_since: number | null;
}

export interface PhotoMetadata {
  contentHash: string;
  width: number | null;
  height: number | null;
  format: string | null;
  takenAt: number | null;
  camera: string | null;
  lens: string | null;
  gpsLat: number | null;
  gpsLon: number | null;
  orientation: number | null;
  /** Why the file is damaged when it was indexed from the part that decodes; null when whole. */
  damaged: string | null;
}

export interface IndexedPhoto {
  id: number;
  meta: PhotoMetadata;
  thumbnail: { file: string; width: number; height: number };
  embedding: Float32Array;
}

/** What a scan compares with the disk. */
export type KnownPhoto = Pick<PhotoRow, 'id' | 'path' | 'size' | 'mtime_ms' | 'content_hash' | 'status'>;

export interface StatusCounts {
  total: number;
  indexed: number;
  pending: number;
  failed: number;
}

/** Embeddings are stored as little-endian float32 blobs. */
export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobToVector(b: Buffer): Float32Array {
  // Copy: the blob's memory belongs to SQLite's row buffer and may not be 4-byte aligned.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

export class PhotoStore {
  constructor(readonly db: Db) {}

  // -- folders

  addFolder(path: string): FolderRow {
    this.db.prepare('INSERT OR IGNORE INTO folders (path, added_at) VALUES (?, ?)').run(path, Date.now());
    return this.db.prepare('SELECT * FROM folders WHERE path = ?').get(path) as FolderRow;
  }

  removeFolder(path: string): number {
    return this.db.prepare('DELETE FROM folders WHERE path = ?').run(path).changes;
  }

  /**
   * What removing a folder would take with it: its photos (the files stay on disk) and the user's own
   * work on them, which goes with them: captions, tags they set or decided, places in albums.
   */
  folderFootprint(path: string): { photos: number; captions: number; tags: number; albums: number } | null {
    const folder = this.db.prepare('SELECT id FROM folders WHERE path = ?').pluck().get(path) as
      number | undefined;
    if (folder === undefined) return null;
    const count = (sql: string): number => this.db.prepare(sql).pluck().get(folder) as number;
    const mine = 'SELECT id FROM photos WHERE folder_id = ?';
    return {
      photos: count('SELECT COUNT(*) FROM photos WHERE folder_id = ?'),
      captions: count(`SELECT COUNT(*) FROM captions WHERE photo_id IN (${mine})`),
      tags: count(`SELECT COUNT(*) FROM photo_tags WHERE source != 'auto' AND photo_id IN (${mine})`),
      albums: count(`SELECT COUNT(DISTINCT album_id) FROM album_photos WHERE photo_id IN (${mine})`),
    };
  }

  /** What forgetting these photos would lose: their captions, the tags the user set, album places. */
  photosFootprint(ids: readonly number[]): {
    photos: number;
    captions: number;
    tags: number;
    albums: number;
  } {
    const list = JSON.stringify(ids);
    const mine = 'SELECT value FROM json_each(?)';
    const count = (sql: string): number => this.db.prepare(sql).pluck().get(list) as number;
    return {
      photos: count(`SELECT COUNT(*) FROM photos WHERE id IN (${mine})`),
      captions: count(`SELECT COUNT(*) FROM captions WHERE photo_id IN (${mine})`),
      tags: count(`SELECT COUNT(*) FROM photo_tags WHERE source != 'auto' AND photo_id IN (${mine})`),
      albums: count(`SELECT COUNT(DISTINCT album_id) FROM album_photos WHERE photo_id IN (${mine})`),
    };
  }

  folders(): FolderRow[] {
    return this.db.prepare('SELECT * FROM folders ORDER BY path').all() as FolderRow[];
  }

  /** Marks a folder unavailable (keeping the first time it was seen so) or back. */
  setFolderOffline(id: number, offline: boolean): void {
    if (offline)
      this.db
        .prepare('UPDATE folders SET offline_since = COALESCE(offline_since, ?) WHERE id = ?')
        .run(Date.now(), id);
    else this.db.prepare('UPDATE folders SET offline_since = NULL WHERE id = ?').run(id);
  }

  /** Folders away at the last scan, with how many photos (files that could not be read aside) they hold. */
  offlineFolders(): { path: string; since: number; photos: number }[] {
    return this.db
      .prepare(
        `SELECT f.path, f.offline_since AS since, (SELECT COUNT(*) FROM photos p WHERE p.folder_id = f.id AND p.status != 'failed') AS photos
         FROM folders f WHERE f.offline_since IS NOT NULL ORDER BY f.path`,
      )
      .all() as { path: string; since: number; photos: number }[];
  }

  // -- photos

  photo(id: number): PhotoRow | undefined {
    return this.db.prepare('SELECT * FROM photos WHERE id = ?').get(id) as PhotoRow | undefined;
  }

  photoByPath(path: string): PhotoRow | undefined {
    return this.db.prepare('SELECT * FROM photos WHERE path = ?').get(path) as PhotoRow | undefined;
  }

  photosInFolder(folderId: number): KnownPhoto[] {
    return this.db
      .prepare('SELECT id, path, size, mtime_ms, content_hash, status FROM photos WHERE folder_id = ?')
      .all(folderId) as KnownPhoto[];
  }

  /** The photos at `path` or anywhere below it (a range over the unique path index). */
  photosUnder(path: string, sep: string): KnownPhoto[] {
    // Every path below `path` sorts between path + sep and path + the character after sep.
    const after = String.fromCharCode(sep.charCodeAt(0) + 1);
    return this.db
      .prepare(
        'SELECT id, path, size, mtime_ms, content_hash, status FROM photos WHERE path = ? OR (path > ? AND path < ?)',
      )
      .all(path, path + sep, path + after) as KnownPhoto[];
  }

  insertPending(folderId: number, path: string, size: number, mtimeMs: number): number {
    const r = this.db
      .prepare("INSERT INTO photos (folder_id, path, size, mtime_ms, status) VALUES (?, ?, ?, ?, 'pending')")
      .run(folderId, path, size, mtimeMs);
    return Number(r.lastInsertRowid);
  }

  /** A file changed on disk: its old embedding no longer describes it. */
  markChanged(id: number, size: number, mtimeMs: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM embeddings WHERE photo_id = ?').run(id);
      this.db
        .prepare(
          "UPDATE photos SET size = ?, mtime_ms = ?, content_hash = NULL, status = 'pending', error = NULL, indexed_at = NULL WHERE id = ?",
        )
        .run(size, mtimeMs, id);
    })();
  }

  /** A file moved or was renamed: same row (embedding, tags, captions), new path. */
  movePhoto(id: number, folderId: number, path: string, mtimeMs: number): void {
    this.db
      .prepare('UPDATE photos SET folder_id = ?, path = ?, mtime_ms = ? WHERE id = ?')
      .run(folderId, path, mtimeMs, id);
  }

  /** Gives the photos `stars` (0 clears); returns how many changed. One transaction: all or none. */
  setRating(ids: readonly number[], stars: number): number {
    const set = this.db.prepare('UPDATE photos SET rating = ? WHERE id = ? AND rating IS NOT ?');
    return this.db.transaction(() => ids.reduce((n, id) => n + set.run(stars, id, stars).changes, 0))();
  }

  /** Marks the photos as favourites or not; returns how many changed. */
  setFavorite(ids: readonly number[], favorite: boolean): number {
    const set = this.db.prepare('UPDATE photos SET favorite = ? WHERE id = ? AND favorite != ?');
    const v = favorite ? 1 : 0;
    return this.db.transaction(() => ids.reduce((n, id) => n + set.run(v, id, v).changes, 0))();
  }

  /** The favourite photos that can be shown (indexed), newest first as the timeline orders them. */
  favorites(): number[] {
    return this.db
      .prepare(
        `SELECT id FROM photos WHERE favorite = 1 AND status = 'indexed'
         ORDER BY COALESCE(taken_at, mtime_ms) DESC, id`,
      )
      .pluck()
      .all() as number[];
  }

  deletePhotos(ids: readonly number[]): void {
    const del = this.db.prepare('DELETE FROM photos WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  /**
   * The photos to index: those never read, and, given a model, those indexed with another model that
   * have no embedding for this one (the library was opened with a different model). One pass over the
   * photos with a primary-key probe of embeddings(model_id, photo_id) each.
   */
  pendingIds(modelId: number | null = null, limit = -1): number[] {
    if (modelId === null)
      return this.db
        .prepare("SELECT id FROM photos WHERE status = 'pending' ORDER BY id LIMIT ?")
        .pluck()
        .all(limit) as number[];
    return this.db
      .prepare(
        `SELECT id FROM photos p WHERE status = 'pending' OR (status = 'indexed' AND NOT EXISTS
           (SELECT 1 FROM embeddings e INDEXED BY embeddings_photo WHERE e.model_id = ? AND e.photo_id = p.id)) ORDER BY id LIMIT ?`,
      )
      .pluck()
      .all(modelId, limit) as number[];
  }

  recordFailure(id: number, error: string): void {
    this.db
      .prepare("UPDATE photos SET status = 'failed', error = ?, indexed_at = ? WHERE id = ?")
      .run(error, Date.now(), id);
  }

  /**
   * Photos by status. Given a model, an indexed photo without an embedding for it counts as pending:
   * indexed means searchable with that model.
   */
  counts(modelId: number | null = null): StatusCounts {
    const rows = (
      modelId === null
        ? this.db.prepare('SELECT status, COUNT(*) AS n FROM photos GROUP BY status').all()
        : this.db
            .prepare(
              `SELECT CASE WHEN status = 'indexed' AND NOT EXISTS
                 (SELECT 1 FROM embeddings e INDEXED BY embeddings_photo WHERE e.model_id = ? AND e.photo_id = p.id)
                 THEN 'pending' ELSE status END AS status, COUNT(*) AS n
               FROM photos p GROUP BY 1`,
            )
            .all(modelId)
    ) as { status: PhotoStatus; n: number }[];
    const c: StatusCounts = { total: 0, indexed: 0, pending: 0, failed: 0 };
    for (const r of rows) {
      c[r.status] += r.n;
      c.total += r.n;
    }
    return c;
  }

  failures(): { path: string; error: string }[] {
    return this.db.prepare("SELECT path, error FROM photos WHERE status = 'failed' ORDER BY path").all() as {
      path: string;
      error: string;
    }[];
  }

  /** Photos indexed from the part of a damaged file that decodes, and what is wrong with each. */
  damaged(): { path: string; error: string }[] {
    return this.db
      .prepare("SELECT path, error FROM photos WHERE status = 'indexed' AND error IS NOT NULL ORDER BY path")
      .all() as { path: string; error: string }[];
  }

  /** The failed (or, with 'indexed', damaged) photos among `ids`, those one indexing run tried. */
  problemsAmong(
    ids: readonly number[],
    status: 'failed' | 'indexed' = 'failed',
  ): { path: string; error: string }[] {
    if (!ids.length) return [];
    return this.db
      .prepare(
        'SELECT path, error FROM photos WHERE status = ? AND error IS NOT NULL AND id IN (SELECT value FROM json_each(?)) ORDER BY path',
      )
      .all(status, JSON.stringify(ids)) as { path: string; error: string }[];
  }

  /** Records what a scan of a folder left out; `replace`: the scan covered the whole folder. */
  recordSkipped(
    folderId: number,
    skipped: readonly { path: string; reason: string }[],
    replace: boolean,
  ): void {
    const put = this.db.prepare(
      'INSERT OR REPLACE INTO skipped (path, folder_id, reason, seen_at) VALUES (?, ?, ?, ?)',
    );
    const now = Date.now();
    this.db.transaction(() => {
      if (replace) this.db.prepare('DELETE FROM skipped WHERE folder_id = ?').run(folderId);
      for (const s of skipped) put.run(s.path, folderId, s.reason, now);
    })();
  }

  /** What scans left out on purpose, and why (the first `limit`). */
  skipped(limit = 1000): { path: string; reason: string }[] {
    return this.db.prepare('SELECT path, reason FROM skipped ORDER BY path LIMIT ?').all(limit) as {
      path: string;
      reason: string;
    }[];
  }

  // -- models and embeddings

  modelId(key: string, name: string, dim: number): number {
    this.db
      .prepare('INSERT OR IGNORE INTO models (key, name, dim, created_at) VALUES (?, ?, ?, ?)')
      .run(key, name, dim, Date.now());
    const row = this.db.prepare('SELECT id, dim FROM models WHERE key = ?').get(key) as {
      id: number;
      dim: number;
    };
    if (row.dim !== dim)
      throw new Error(`model ${key} was stored with ${row.dim} dimensions, now has ${dim}`);
    return row.id;
  }

  /** Records that a library was opened on this model, in this variant (commands without a model report on it). */
  modelOpened(modelId: number, variant: string): void {
    this.db
      .prepare('UPDATE models SET variant = ?, opened_at = ? WHERE id = ?')
      .run(variant, Date.now(), modelId);
  }

  /** The model recorded under a key (modelKey in library.ts), if the library has one. */
  modelByKey(key: string): { id: number; name: string; dim: number; variant: string | null } | null {
    return (
      (this.db.prepare('SELECT id, name, dim, variant FROM models WHERE key = ?').get(key) as
        { id: number; name: string; dim: number; variant: string | null } | undefined) ?? null
    );
  }

  /** The model a library was last opened on; adapter spaces are never opened directly. */
  lastOpenedModel(): { id: number; name: string; dim: number; variant: string | null } | null {
    return (
      (this.db
        .prepare(
          'SELECT id, name, dim, variant FROM models WHERE opened_at IS NOT NULL ORDER BY opened_at DESC, id DESC LIMIT 1',
        )
        .get() as { id: number; name: string; dim: number; variant: string | null } | undefined) ?? null
    );
  }

  changeCounter(modelId: number): number {
    return this.db.prepare('SELECT change_counter FROM models WHERE id = ?').pluck().get(modelId) as number;
  }

  embeddedIds(modelId: number): number[] {
    return this.db
      .prepare('SELECT photo_id FROM embeddings WHERE model_id = ? ORDER BY photo_id')
      .pluck()
      .all(modelId) as number[];
  }

  /** One model's (or adapter space's) embeddings as the vector index reads them. */
  vectorSource(modelId: number, dim: number): VectorSource {
    const counter = (): number => this.changeCounter(modelId);
    return {
      dim,
      get counter() {
        return counter();
      },
      ids: () => this.embeddedIds(modelId),
      vectors: (ids) => this.vectors(modelId, ids),
      after: (id, limit) =>
        this.db
          .prepare(
            'SELECT photo_id, vector FROM embeddings WHERE model_id = ? AND photo_id > ? ORDER BY photo_id LIMIT ?',
          )
          .raw()
          .all(modelId, id, limit) as [number, Buffer][],
    };
  }

  vectors(modelId: number, ids: readonly number[]): Map<number, Float32Array> {
    const get = this.db.prepare('SELECT vector FROM embeddings WHERE model_id = ? AND photo_id = ?').pluck();
    const out = new Map<number, Float32Array>();
    for (const id of ids) {
      const blob = get.get(modelId, id) as Buffer | undefined;
      if (blob) out.set(id, blobToVector(blob));
    }
    return out;
  }

  /**
   * Records a batch of indexed photos in one transaction: metadata, status, thumbnail and embedding.
   * Photos deleted meanwhile (their folder removed) are skipped; returns the ids actually saved. A photo
   * indexed before (with another model) gets this model's embedding beside the other's and keeps the
   * time it was first indexed.
   */
  saveIndexed(modelId: number, items: readonly IndexedPhoto[]): number[] {
    const update = this.db.prepare(
      `UPDATE photos SET content_hash = @contentHash, width = @width, height = @height, format = @format,
         taken_at = @takenAt, camera = @camera, lens = @lens, gps_lat = @gpsLat, gps_lon = @gpsLon,
         orientation = @orientation, error = @damaged,
         indexed_at = CASE WHEN status = 'indexed' THEN COALESCE(indexed_at, @now) ELSE @now END,
         status = 'indexed' WHERE id = @id`,
    );
    const thumb = this.db.prepare(
      'INSERT OR REPLACE INTO thumbnails (photo_id, file, width, height) VALUES (?, ?, ?, ?)',
    );
    const put = this.db.prepare(
      'INSERT OR REPLACE INTO embeddings (model_id, photo_id, vector) VALUES (?, ?, ?)',
    );
    const now = Date.now();
    const saved: number[] = [];
    this.db.transaction(() => {
      for (const item of items) {
        if (update.run({ ...item.meta, id: item.id, now }).changes === 0) continue;
        thumb.run(item.id, item.thumbnail.file, item.thumbnail.width, item.thumbnail.height);
        put.run(modelId, item.id, vectorToBlob(item.embedding));
        saved.push(item.id);
      }
    })();
    return saved;
  }

  thumbnail(photoId: number): { file: string; width: number; height: number } | undefined {
    return this.db.prepare('SELECT file, width, height FROM thumbnails WHERE photo_id = ?').get(photoId) as
      { file: string; width: number; height: number } | undefined;
  }
}
