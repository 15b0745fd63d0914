// Albums: manual ones hold the photos the user put in them; smart ones hold a saved query (text and
// example photos ranked with the adaptive cut-off, tags, filters) and are evaluated when opened, so
// they stay current as the library changes without any bookkeeping.

import { defined } from '../defined.js';
import type { Db } from '../library/database.js';

export interface SmartQuery {
  /** Query syntax as in search ("beach + sunset - people"). */
  text?: string;
  /** Library photos to rank by example. */
  examples?: number[];
  /** Category names the photos must carry (all of them). */
  tags?: string[];
  folder?: string;
  from?: number;
  to?: number;
  formats?: string[];
  camera?: string;
  /** Which photos the album holds: see SearchOptions.matches (default 'auto'). */
  matches?: 'auto' | 'strong' | 'all';
  /** Albums saved before match modes kept the old cut-off's strictness (0: everything); read only. */
  strictness?: number;
  limit?: number;
}

export interface Album {
  id: number;
  name: string;
  query: SmartQuery | null;
  createdAt: number;
}

/**
 * A smart album's query from what the user asked for (the CLI's options, the contract's params); null
 * when nothing is asked (a manual album). Filters, limit and match mode are kept as search takes them.
 */
export function smartQuery(input: {
  text?: string | undefined;
  examples?: number[] | undefined;
  limit?: number | undefined;
  matches?: SmartQuery['matches'] | undefined;
  /** Search filters; an albums filter has no place in a smart album and is left out. */
  filters?: Omit<SmartQuery, 'text' | 'examples' | 'limit' | 'matches' | 'strictness'> & {
    albums?: string[];
  };
}): SmartQuery | null {
  const { filters = {}, text, examples, limit, matches } = input;
  const { albums: _albums, ...kept } = filters;
  const query = defined({
    ...kept,
    text,
    examples: examples?.length ? examples : undefined,
    limit,
    matches,
  });
  return Object.keys(query).length ? query : null;
}

export class AlbumError extends Error {
  override readonly name = 'AlbumError';
}

interface AlbumRow {
  id: number;
  name: string;
  query: string | null;
  created_at: number;
}

const toAlbum = (r: AlbumRow): Album => ({
  id: r.id,
  name: r.name,
  query: r.query === null ? null : (JSON.parse(r.query) as SmartQuery),
  createdAt: r.created_at,
});

export class AlbumStore {
  constructor(readonly db: Db) {}

  create(name: string, query: SmartQuery | null = null): Album {
    const clean = name.trim();
    if (!clean) throw new AlbumError('an album needs a name');
    if (this.byName(clean)) throw new AlbumError(`album "${clean}" already exists`);
    if (query && !query.text?.trim() && !query.examples?.length && !query.tags?.length && !hasFilter(query))
      throw new AlbumError('a smart album needs a query, example photos, tags or a filter');
    const r = this.db
      .prepare('INSERT INTO albums (name, query, created_at) VALUES (?, ?, ?)')
      .run(clean, query ? JSON.stringify(query) : null, Date.now());
    return this.album(Number(r.lastInsertRowid)) as Album;
  }

  album(id: number): Album | undefined {
    const r = this.db.prepare('SELECT * FROM albums WHERE id = ?').get(id) as AlbumRow | undefined;
    return r && toAlbum(r);
  }

  byName(name: string): Album | undefined {
    const r = this.db.prepare('SELECT * FROM albums WHERE name = ?').get(name.trim()) as AlbumRow | undefined;
    return r && toAlbum(r);
  }

  list(): Album[] {
    return (this.db.prepare('SELECT * FROM albums ORDER BY name').all() as AlbumRow[]).map(toAlbum);
  }

  /** Renames an album; the new name must be free (AlbumError). */
  rename(id: number, name: string): Album {
    const album = this.album(id);
    if (!album) throw new AlbumError(`no album with id ${id}`);
    const clean = name.trim();
    if (!clean) throw new AlbumError('an album needs a name');
    const other = this.byName(clean);
    if (other && other.id !== id) throw new AlbumError(`album "${clean}" already exists`);
    this.db.prepare('UPDATE albums SET name = ? WHERE id = ?').run(clean, id);
    return { ...album, name: clean };
  }

  /** Changes a smart album's query; a manual album stays manual (its photos are the user's picks). */
  setQuery(id: number, query: SmartQuery): Album {
    const album = this.album(id);
    if (!album) throw new AlbumError(`no album with id ${id}`);
    if (!album.query)
      throw new AlbumError(`"${album.name}" is not a smart album: add or remove photos instead`);
    if (!query.text?.trim() && !query.examples?.length && !query.tags?.length && !hasFilter(query))
      throw new AlbumError('a smart album needs a query, example photos, tags or a filter');
    this.db.prepare('UPDATE albums SET query = ? WHERE id = ?').run(JSON.stringify(query), id);
    return { ...album, query };
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM albums WHERE id = ?').run(id).changes > 0;
  }

  /** Adds photos to a manual album; returns how many were new to it. */
  add(albumId: number, photoIds: readonly number[]): number {
    const album = this.album(albumId);
    if (!album) throw new AlbumError(`no album with id ${albumId}`);
    if (album.query) throw new AlbumError(`"${album.name}" is a smart album: change its query instead`);
    const put = this.db.prepare(
      'INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at) VALUES (?, ?, ?)',
    );
    const now = Date.now();
    let added = 0;
    this.db.transaction(() => {
      for (const id of photoIds) added += put.run(albumId, id, now).changes;
    })();
    return added;
  }

  removePhotos(albumId: number, photoIds: readonly number[]): number {
    const del = this.db.prepare('DELETE FROM album_photos WHERE album_id = ? AND photo_id = ?');
    let removed = 0;
    this.db.transaction(() => {
      for (const id of photoIds) removed += del.run(albumId, id).changes;
    })();
    return removed;
  }

  /** A manual album's photos, by when they were added (then by id). */
  members(albumId: number): number[] {
    return this.db
      .prepare('SELECT photo_id FROM album_photos WHERE album_id = ? ORDER BY added_at, photo_id')
      .pluck()
      .all(albumId) as number[];
  }
}

export function hasFilter(q: SmartQuery): boolean {
  return (
    q.folder !== undefined ||
    q.from !== undefined ||
    q.to !== undefined ||
    (q.formats?.length ?? 0) > 0 ||
    q.camera !== undefined
  );
}
