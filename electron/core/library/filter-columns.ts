// What search filters read (folder, dates, format, camera) for every indexed photo, held in memory as
// typed arrays by photo id, so that a filter over a large library is one pass over them (a million
// photos: a few ms) rather than a row from SQLite per allowed photo (a million: ~150-200 ms). Answers
// agree with filterQuery's SQL, which small libraries keep using. Built in one pass and built again when
// the database's filter_changes counter (kept by triggers on photos) has moved; while a library is being
// indexed (the counter moving all the time) it is built at most once every REBUILD_MS, and the SQL
// answers meanwhile. A category's photos are kept the same way, as a bitmap, until any tag changes
// (250k tagged photos from SQL: ~80 ms).

import type { Db } from './database.js';
import { IdSet } from './id-set.js';
import type { SearchFilters } from './search.js';
import { folderRange, storedFormat } from './search-filters.js';

/** The least time between two builds: a build over a million photos takes a second or two. */
export const REBUILD_MS = 30_000;

/** SQLite's LOWER: ASCII letters only, so both ways of answering agree on every camera name. */
const sqliteLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** 1 for each code whose value the test passes. */
const codeMask = (list: readonly string[], test: (value: string) => boolean): Uint8Array =>
  Uint8Array.from(list, (v) => (test(v) ? 1 : 0));

export class FilterColumns {
  private constructor(
    /** filter_changes' counter when built. */
    readonly counter: number,
    readonly builtAt: number,
    private readonly db: Db,
    /** 1 for an indexed photo, by id. */
    private readonly indexed: Uint8Array,
    /** Its position in path order among indexed photos: a folder is a range of positions. */
    private readonly rank: Int32Array,
    /** COALESCE(taken_at, mtime_ms); NaN when neither is known (no date filter allows it, as in SQL). */
    private readonly when: Float64Array,
    /** Codes into formats and cameras (camera 0: none). */
    private readonly format: Uint16Array,
    private readonly formats: string[],
    private readonly camera: Uint16Array,
    private readonly cameras: string[],
  ) {}

  static counter(db: Db, of: 'photos' | 'tags' = 'photos'): number {
    return db.prepare('SELECT counter FROM filter_changes WHERE name = ?').pluck().get(of) as number;
  }

  static build(db: Db): FilterColumns {
    const counter = FilterColumns.counter(db);
    const top = (db.prepare('SELECT MAX(id) FROM photos').pluck().get() as number | null) ?? 0;
    const indexed = new Uint8Array(top + 1);
    const rank = new Int32Array(top + 1);
    const when = new Float64Array(top + 1).fill(NaN);
    const format = new Uint16Array(top + 1);
    const camera = new Uint16Array(top + 1);
    const formats: string[] = [];
    const cameras = [''];
    const codes = (list: string[]): Map<string, number> => new Map(list.map((v, i) => [v, i]));
    const formatCode = codes(formats);
    const cameraCode = codes(cameras);
    const code = (value: string, list: string[], known: Map<string, number>): number => {
      let c = known.get(value);
      if (c === undefined) {
        c = list.push(value) - 1;
        known.set(value, c);
      }
      return c;
    };
    const rows = db
      .prepare(
        `SELECT id, COALESCE(taken_at, mtime_ms), format, COALESCE(camera, '') FROM photos
         WHERE +status = 'indexed'`,
      )
      .raw();
    for (const [id, t, f, c] of rows.iterate() as Iterable<[number, number | null, string, string]>) {
      indexed[id] = 1;
      if (t !== null) when[id] = t;
      format[id] = code(f, formats, formatCode);
      camera[id] = code(sqliteLower(c), cameras, cameraCode);
    }
    // Path order as SQLite sorts (bytewise), from the path index.
    const byPath = db
      .prepare("SELECT id FROM photos INDEXED BY photos_path_status WHERE status = 'indexed' ORDER BY path")
      .pluck();
    let position = 0;
    for (const id of byPath.iterate() as Iterable<number>) rank[id] = position++;
    return new FilterColumns(counter, Date.now(), db, indexed, rank, when, format, formats, camera, cameras);
  }

  /** The indexed photos the metadata filters (folder, dates, formats, camera) allow. */
  allowed(filters: SearchFilters): IdSet {
    const { indexed, rank, when, format, camera } = this;
    let low = 0;
    let high = Infinity;
    if (filters.folder) {
      // The first and last indexed photos under the folder, from the path index; every photo between
      // them in path order is under it too.
      const [from, to] = folderRange(filters.folder);
      const end = (order: 'ASC' | 'DESC'): number | undefined =>
        this.db
          .prepare(
            `SELECT id FROM photos INDEXED BY photos_path_status
             WHERE path >= ? AND path < ? AND status = 'indexed' ORDER BY path ${order} LIMIT 1`,
          )
          .pluck()
          .get(from, to) as number | undefined;
      const first = end('ASC');
      const last = end('DESC');
      if (first === undefined || last === undefined) return new IdSet();
      low = rank[first] as number;
      high = rank[last] as number;
    }
    const from = filters.from ?? -Infinity;
    const to = filters.to ?? Infinity;
    const dated = filters.from !== undefined || filters.to !== undefined;
    const formats = new Set(filters.formats?.map(storedFormat));
    const formatOk = formats.size ? codeMask(this.formats, (f) => formats.has(f)) : null;
    const needle = filters.camera?.toLowerCase();
    const cameraOk = needle ? codeMask(this.cameras, (c) => c.includes(needle)) : null;
    const out = new IdSet();
    for (let id = 0; id < indexed.length; id++) {
      if (indexed[id] !== 1) continue;
      const r = rank[id] as number;
      if (r < low || r > high) continue;
      if (dated) {
        const t = when[id] as number;
        if (!(t >= from && t <= to)) continue;
      }
      if (formatOk && formatOk[format[id] as number] !== 1) continue;
      if (cameraOk && cameraOk[camera[id] as number] !== 1) continue;
      out.add(id);
    }
    return out;
  }
}

const built = new WeakMap<Db, FilterColumns>();

/**
 * The filter columns of this database as they are now, or null when they would have to be built again
 * within REBUILD_MS of the last build (the caller answers from SQL then).
 */
export function filterColumns(db: Db, now = Date.now()): FilterColumns | null {
  const current = built.get(db);
  if (current && current.counter === FilterColumns.counter(db)) return current;
  if (current && now - current.builtAt < REBUILD_MS) return null;
  const columns = FilterColumns.build(db);
  built.set(db, columns);
  return columns;
}

/** Categories whose photos are kept at once: a filter rarely names more. */
const KEPT_CATEGORIES = 16;
const tagged = new WeakMap<Db, { counter: number; photos: Map<number, IdSet> }>();

/**
 * The photos carrying a category (any source but rejected), as a set the caller may change: kept in
 * memory until a tag changes anywhere in the library.
 */
export function taggedPhotos(db: Db, categoryId: number, read: (categoryId: number) => IdSet): IdSet {
  const counter = FilterColumns.counter(db, 'tags');
  let kept = tagged.get(db);
  if (kept?.counter !== counter) {
    kept = { counter, photos: new Map() };
    tagged.set(db, kept);
  }
  let photos = kept.photos.get(categoryId);
  if (!photos) {
    if (kept.photos.size >= KEPT_CATEGORIES) kept.photos.clear();
    photos = read(categoryId);
    kept.photos.set(categoryId, photos);
  }
  return photos.copy();
}
