// What search filters read (folder, dates, format, camera) for every indexed photo, held in memory as
// typed arrays by photo id, with the photos in path order and in date order, so that a filter over a
// large library is one pass over the narrower of its folder's and its dates' range (a million photos:
// a few ms at most) rather than a row from SQLite per allowed photo (a million: ~150-200 ms). Answers
// agree with filterQuery's SQL, which small libraries keep using. Built when the engine is idle
// (Searcher.prepare) or by the first filtered search, and built again when the database's
// filter_changes counter (kept by triggers on photos) has moved; while a library is being indexed (the
// counter moving all the time) a search builds it at most once every REBUILD_MS, and the SQL answers
// meanwhile. A category's photos are kept the same way, as a bitmap, until any tag changes
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
    /** The indexed photos in path order: a folder is a range of it. */
    private readonly byPath: Int32Array,
    /** A photo's position in byPath, by id. */
    private readonly rank: Int32Array,
    /** The indexed photos that have a date, by date; and their dates, in the same order. */
    private readonly byWhen: Int32Array,
    private readonly whenSorted: Float64Array,
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
    const dated: number[] = [];
    for (const [id, t, f, c] of rows.iterate() as Iterable<[number, number | null, string, string]>) {
      if (t !== null) {
        when[id] = t;
        dated.push(id);
      }
      format[id] = code(f, formats, formatCode);
      camera[id] = code(sqliteLower(c), cameras, cameraCode);
    }
    // Path order as SQLite sorts (bytewise), from the path index.
    const byPath = db
      .prepare("SELECT id FROM photos INDEXED BY photos_path_status WHERE status = 'indexed' ORDER BY path")
      .pluck();
    const inOrder = Int32Array.from(byPath.iterate() as Iterable<number>);
    inOrder.forEach((id, position) => {
      rank[id] = position;
    });
    // A date filter is a range of this order, found by bisection (a million photos: ~0.4 s to sort).
    const byWhen = Int32Array.from(dated).sort((a, b) => (when[a] as number) - (when[b] as number));
    const whenSorted = Float64Array.from(byWhen, (id) => when[id] as number);
    return new FilterColumns(
      counter,
      Date.now(),
      db,
      inOrder,
      rank,
      byWhen,
      whenSorted,
      when,
      format,
      formats,
      camera,
      cameras,
    );
  }

  /**
   * The indexed photos the metadata filters (folder, dates, formats, camera) allow. Only the narrower of
   * the folder's range in path order and the dates' range in time order is read, so a narrow filter
   * costs what it allows, not what the library holds.
   */
  allowed(filters: SearchFilters): IdSet {
    const { byPath, rank, byWhen, whenSorted, when, format, camera } = this;
    // The folder as a range of path order: from its first indexed photo to its last, found on the
    // path index; every photo between them in path order is under it too.
    let low = 0;
    let high = byPath.length - 1;
    if (filters.folder) {
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
    let read = byPath.subarray(low, high + 1);
    if (dated) {
      const inTime = byWhen.subarray(
        firstNotBefore(whenSorted, (t) => t < from),
        firstNotBefore(whenSorted, (t) => t <= to),
      );
      if (inTime.length < read.length) read = inTime;
    }
    const folder = filters.folder !== undefined;
    const formats = new Set(filters.formats?.map(storedFormat));
    const formatOk = formats.size ? codeMask(this.formats, (f) => formats.has(f)) : null;
    const needle = filters.camera?.toLowerCase();
    const cameraOk = needle ? codeMask(this.cameras, (c) => c.includes(needle)) : null;
    const out = new Uint8Array(rank.length);
    let count = 0;
    // Indexed, not for-of: iterating a typed array through its iterator made a filter allowing a
    // million photos cost 25 ms.
    for (let i = 0; i < read.length; i++) {
      const id = read[i] as number;
      if (folder) {
        const r = rank[id] as number;
        if (r < low || r > high) continue;
      }
      if (dated) {
        const t = when[id] as number;
        if (!(t >= from && t <= to)) continue;
      }
      if (formatOk && formatOk[format[id] as number] !== 1) continue;
      if (cameraOk && cameraOk[camera[id] as number] !== 1) continue;
      out[id] = 1;
      count++;
    }
    return IdSet.ofBits(out, count);
  }
}

/**
 * The first position in `sorted` whose value fails `before`, a test that holds for a run at its start
 * and then never again (its length when every value passes): a bisection.
 */
function firstNotBefore(sorted: Float64Array, before: (value: number) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(sorted[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const built = new WeakMap<Db, FilterColumns>();

/**
 * The filter columns of this database as they are now, or null when they would have to be built again
 * within `wait` of the last build (the caller answers from SQL then). The engine's idle turn waits for
 * nothing.
 */
export function filterColumns(db: Db, now = Date.now(), wait = REBUILD_MS): FilterColumns | null {
  const current = built.get(db);
  if (current && current.counter === FilterColumns.counter(db)) return current;
  if (current && now - current.builtAt < wait) return null;
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
