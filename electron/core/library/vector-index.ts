// One model's HNSW index (hnswlib-node, inner product on unit vectors = cosine), saved beside the
// database. SQLite is the source of truth: the index file carries the model's change counter from when
// it was saved, and on open an index that is missing, unreadable or stale is repaired from the
// database, by adding and removing the difference, or rebuilt. A rebuild (minutes at 100k photos) never
// holds up its caller: the vectors are read into memory at once, search scores them exactly meanwhile
// (`complete` is false), and the graph is built in the background in short slices between other work,
// with progress, then saved. Beside the graph, the same vectors can be held as a matrix
// (vector-rows.ts) for exact search; it is read on first use and kept in step with every add and remove.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HierarchicalNSW as Hnsw } from 'hnswlib-node';
import { hnswlib } from './hnsw-binding.js';
import { IdSet } from './id-set.js';
import { VectorRows } from './vector-rows.js';

export interface IndexParams {
  /** Graph degree. 32 keeps recall@10 >= 0.95 at a million vectors (16 reaches only 0.91 there). */
  m: number;
  efConstruction: number;
  /**
   * Candidates the search keeps while walking the graph. hnswlib uses at least the number of results
   * asked for, and search asks for 200 (the head of the score profile), so an ef under 200 changes
   * nothing. Only libraries over 100k photos use the graph (search.ts, EXACT_LIMIT). At a million
   * photos (two cores, the AVX-512 build, graph alone, p50) queries across the modality gap at cosine
   * 0.26 to their 10 nearest find them all from ef 1200; those at 0.20 find 0.85 of them at ef 800
   * (3 ms), 0.94 at 1600 (5 ms), 0.99 at 2400 (7 ms), 1.00 at 3200 (10 ms); random directions (0.19)
   * 0.78, 0.94, 0.98, 0.98. So a library starts at 2400, and the search's own check raises it where
   * its real queries need more (search-check.ts).
   */
  efSearch: number;
}

export const DEFAULT_INDEX_PARAMS: IndexParams = { m: 32, efConstruction: 200, efSearch: 2400 };

export interface IndexSidecar {
  dim: number;
  counter: number;
  m: number;
  efConstruction: number;
}

/** What the database holds for this model, as the index needs it. */
export interface VectorSource {
  dim: number;
  /** The database's change counter for this model, as it is now. */
  readonly counter: number;
  ids(): number[];
  /** Vectors for these ids, in the same order (missing ids are skipped). */
  vectors(ids: readonly number[]): Map<number, Float32Array>;
  /**
   * Up to `limit` ids past `id`, in id order, each with its vector's stored bytes: the whole space read
   * in chunks (faster than vectors() for all of them, and each chunk's statement is done before the
   * next, so writes can come between).
   */
  after(id: number, limit: number): [number, Uint8Array][];
}

export type RepairReport =
  | { action: 'loaded'; count: number }
  | { action: 'patched'; added: number; removed: number; count: number; reason: string }
  | { action: 'rebuilt'; count: number; reason: string };

export type ProgressFn = (done: number, total: number) => void;

/** The hnswlib build this CPU runs best (hnsw-binding.ts), loaded on first use. */
const newHnsw = (dim: number): Hnsw => new (hnswlib().lib.HierarchicalNSW)('ip', dim);

const CHUNK = 2000;
/** Vectors read into the matrix per chunk: ~0.2 s of work at a time when read in the background. */
const ROWS_CHUNK = 16_384;
const GROW = 1.5;
/** A repair that adds more vectors than this (seconds of work) does it in the background. */
const BACKGROUND_FROM = 2000;
/** A background build adds points for this long, then lets other work (searches, indexing) run. */
const SLICE_MS = 25;

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A graph being built in the background: stop() ends it early (the library closing). */
interface Build {
  stopped: boolean;
  done: Promise<void>;
  /** Progress listeners besides the opener's (a CLI command waiting for the graph). */
  listeners: Set<ProgressFn>;
}

export class VectorIndex {
  private hnsw: Hnsw;
  /** The ids in the graph and the matrix: a bitmap, since filters ask it once per photo they visit. */
  private live = new IdSet();
  private ef: number;
  private matrix: VectorRows | null = null;
  /** The matrix being read in chunks (preloadRows), kept in step with adds and removes meanwhile. */
  private loading: { rows: VectorRows; after: number } | null = null;
  private build: Build | null = null;
  /**
   * The change counter the file on disk was saved at while the graph has not changed since (null: it
   * has, or there is no file). Saving again then writes nothing: at a million photos the graph is
   * ~2.3 GB and took ~5 s to write on every close.
   */
  private savedAt: number | null = null;

  private constructor(
    readonly file: string,
    readonly dim: number,
    readonly params: IndexParams,
    hnsw: Hnsw,
    private readonly source: VectorSource,
  ) {
    this.hnsw = hnsw;
    this.ef = params.efSearch;
  }

  get size(): number {
    return this.live.size;
  }

  /** Whether the matrix for exact search has been read whole (rows() answers without reading). */
  get rowsInMemory(): boolean {
    return this.matrix !== null;
  }

  /** False while the graph is being built in the background: search must score exactly meanwhile. */
  get complete(): boolean {
    return this.build === null;
  }

  /**
   * Resolves once the graph holds every vector (at once when it does; also when the build is stopped),
   * with the build's progress meanwhile.
   */
  whenComplete(onProgress?: ProgressFn): Promise<void> {
    if (!this.build) return Promise.resolve();
    if (onProgress) this.build.listeners.add(onProgress);
    return this.build.done;
  }

  /** Stops a background build (the library closing); the index file stays as it was, to be rebuilt. */
  stopBuilding(): void {
    if (this.build) this.build.stopped = true;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  ids(): IterableIterator<number> {
    return this.live.values();
  }

  /**
   * The vectors as a matrix for exact search: read from the source on first use, or the rest of them
   * at once when preloadRows is part way.
   */
  rows(): VectorRows {
    if (this.matrix) return this.matrix;
    const load = this.loading ?? this.startLoading();
    let rows: VectorRows | null = null;
    while (!rows) rows = this.readChunk(load);
    return rows;
  }

  /**
   * Reads the matrix ahead, a chunk at a time with a turn of the event loop between (what the engine
   * does when idle), so the first exact search in a large library does not wait for it: a million
   * photos take ~15 s. Stops, dropping what it read, when `stop` says so (the library closing).
   */
  async preloadRows(stop: () => boolean = () => false): Promise<void> {
    if (this.matrix || this.loading) return;
    const load = this.startLoading();
    // A function, as this.loading changes while awaiting (rows() may finish the read in between).
    const ours = (): boolean => this.loading === load;
    for (;;) {
      if (stop()) {
        if (ours()) this.loading = null;
        return;
      }
      if (!ours() || this.readChunk(load)) return;
      await nextTurn();
    }
  }

  private startLoading(): { rows: VectorRows; after: number } {
    this.loading = { rows: new VectorRows(this.dim, this.live.size), after: 0 };
    return this.loading;
  }

  /** Reads the next chunk into the matrix being loaded; the matrix, now in use, once it is complete. */
  private readChunk(load: { rows: VectorRows; after: number }): VectorRows | null {
    const chunk = this.source.after(load.after, ROWS_CHUNK);
    for (const [id, bytes] of chunk) if (this.live.has(id)) load.rows.setBytes(id, bytes);
    load.after = chunk.at(-1)?.[0] ?? load.after;
    if (chunk.length === ROWS_CHUNK) return null;
    this.matrix = load.rows;
    this.loading = null;
    return load.rows;
  }

  private static fresh(
    file: string,
    dim: number,
    params: IndexParams,
    capacity: number,
    source: VectorSource,
  ): VectorIndex {
    const hnsw = newHnsw(dim);
    hnsw.initIndex({
      maxElements: Math.max(capacity, 1024),
      m: params.m,
      efConstruction: params.efConstruction,
      randomSeed: 100,
    });
    hnsw.setEf(params.efSearch);
    return new VectorIndex(file, dim, params, hnsw, source);
  }

  /**
   * Opens the index for a model, repairing it against the database when it is missing, unreadable,
   * built with other parameters, or saved at a different change counter.
   */
  static open(
    file: string,
    source: VectorSource,
    params: IndexParams = DEFAULT_INDEX_PARAMS,
    onProgress?: ProgressFn,
  ): { index: VectorIndex; report: RepairReport } {
    const sidecar = readSidecar(`${file}.json`);
    const rebuild = (reason: string): { index: VectorIndex; report: RepairReport } => {
      const ids = source.ids();
      const index = VectorIndex.fresh(file, source.dim, params, Math.ceil(ids.length * GROW), source);
      for (const id of ids) index.live.add(id);
      index.buildInBackground(ids, onProgress);
      return { index, report: { action: 'rebuilt', count: index.size, reason } };
    };
    if (!existsSync(file) || !sidecar)
      return rebuild(existsSync(file) ? 'its sidecar is missing or unreadable' : 'no index file');
    if (
      sidecar.dim !== source.dim ||
      sidecar.m !== params.m ||
      sidecar.efConstruction !== params.efConstruction
    ) {
      return rebuild('it was built with other parameters');
    }
    const hnsw = newHnsw(source.dim);
    try {
      hnsw.readIndexSync(file);
    } catch (err) {
      return rebuild(`it could not be read (${(err as Error).message})`);
    }
    hnsw.setEf(params.efSearch);
    const index = new VectorIndex(file, source.dim, params, hnsw, source);
    const inDb = new Set(source.ids());
    // Labels hnswlib holds include marked-deleted ones: only those in the database are live.
    const stored = hnsw.getIdsList();
    for (const id of stored) if (inDb.has(id)) index.live.add(id);
    if (sidecar.counter === source.counter && index.live.size === inDb.size) {
      index.savedAt = sidecar.counter;
      return { index, report: { action: 'loaded', count: index.size } };
    }
    // Out of step: a label the database still has may be marked deleted in this file (a crash between
    // saves), so make sure every one of them is live; unmarkDelete throws for one that is not deleted.
    for (const id of index.live) {
      try {
        hnsw.unmarkDelete(id);
      } catch {
        // not deleted: nothing to do
      }
    }
    let removed = 0;
    for (const id of stored) {
      if (!inDb.has(id) && index.markDeleted(id)) removed++;
    }
    const missing = [...inDb].filter((id) => !index.live.has(id));
    index.ensureCapacity(stored.length + missing.length);
    if (missing.length > BACKGROUND_FROM) {
      // Many missing (an index saved long ago): added in the background like a rebuild.
      for (const id of missing) index.live.add(id);
      index.buildInBackground(missing, onProgress);
    } else {
      index.addFrom(source, missing, onProgress);
      index.save(source.counter);
    }
    const reason =
      sidecar.counter === source.counter
        ? 'its contents differ from the database'
        : `it was saved at change ${sidecar.counter}, the database is at ${source.counter}`;
    return {
      index,
      report: { action: 'patched', added: missing.length, removed, count: index.size, reason },
    };
  }

  /**
   * Adds these ids' vectors to the graph in slices of SLICE_MS, yielding between them, then saves it
   * (a rebuild: every id; a large repair: the missing ones).
   * The vectors come from the matrix (read here, once), which exact search uses meanwhile. Adds and
   * removes during the build go to the graph as usual; an id removed before its turn is skipped.
   */
  private buildInBackground(ids: readonly number[], onProgress?: ProgressFn): void {
    const rows = this.rows();
    const build: Build = { stopped: false, done: Promise.resolve(), listeners: new Set() };
    this.build = build;
    const report = (done: number): void => {
      onProgress?.(done, ids.length);
      for (const listener of build.listeners) listener(done, ids.length);
    };
    build.done = (async () => {
      let sliceEnd = performance.now() + SLICE_MS;
      for (let i = 0; i < ids.length; i++) {
        if (performance.now() > sliceEnd) {
          report(i);
          await nextTurn();
          if (build.stopped) return;
          sliceEnd = performance.now() + SLICE_MS;
        }
        const id = ids[i] as number;
        const v = this.live.has(id) ? rows.vector(id) : undefined;
        if (v) this.hnsw.addPoint(Array.from(v), id);
      }
      report(ids.length);
      this.build = null;
      this.save(this.source.counter);
    })();
  }

  private markDeleted(id: number): boolean {
    try {
      this.hnsw.markDelete(id);
      return true;
    } catch {
      return false; // already marked deleted
    }
  }

  private ensureCapacity(needed: number): void {
    const max = this.hnsw.getMaxElements();
    if (needed > max) this.hnsw.resizeIndex(Math.ceil(Math.max(needed, max) * GROW));
  }

  private addFrom(source: VectorSource, ids: readonly number[], onProgress?: ProgressFn): void {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      for (const [id, v] of source.vectors(chunk)) this.add(id, v);
      onProgress?.(Math.min(i + CHUNK, ids.length), ids.length);
    }
  }

  /** Adds or replaces a vector; the index grows as needed, never rebuilt. */
  add(id: number, vector: Float32Array): void {
    if (vector.length !== this.dim)
      throw new Error(`vector has ${vector.length} dimensions, the index ${this.dim}`);
    this.ensureCapacity(this.hnsw.getCurrentCount() + 1);
    this.hnsw.addPoint(Array.from(vector), id);
    this.savedAt = null;
    this.live.add(id);
    (this.matrix ?? this.loading?.rows)?.set(id, vector);
  }

  remove(id: number): void {
    if (!this.live.delete(id)) return;
    this.markDeleted(id);
    this.savedAt = null;
    (this.matrix ?? this.loading?.rows)?.delete(id);
  }

  /** Approximate k nearest by inner product; filter runs inside the graph search; ef: the params' unless given. */
  search(
    query: Float32Array,
    k: number,
    filter?: (id: number) => boolean,
    ef = this.params.efSearch,
  ): { id: number; score: number }[] {
    const n = Math.min(k, this.live.size);
    if (n === 0) return [];
    if (ef !== this.ef) {
      this.hnsw.setEf(ef);
      this.ef = ef;
    }
    const q = Array.from(query);
    const res = filter
      ? this.hnsw.searchKnn(q, n, (label) => this.live.has(label) && filter(label))
      : this.hnsw.searchKnn(q, n);
    // hnswlib's inner-product distance is 1 - dot.
    return res.neighbors
      .map((id, i) => ({ id, score: 1 - (res.distances[i] ?? 1) }))
      .sort((a, b) => b.score - a.score);
  }

  /**
   * Writes the index and its sidecar atomically (temporary files, then rename). Not while the graph is
   * being built: a file that lacks vectors must not pass for the database's state (the build saves it).
   */
  save(counter: number): void {
    if (this.build || this.savedAt === counter) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    this.hnsw.writeIndexSync(tmp);
    renameSync(tmp, this.file);
    const sidecar: IndexSidecar = {
      dim: this.dim,
      counter,
      m: this.params.m,
      efConstruction: this.params.efConstruction,
    };
    writeFileSync(`${this.file}.json.tmp`, JSON.stringify(sidecar));
    renameSync(`${this.file}.json.tmp`, `${this.file}.json`);
    this.savedAt = counter;
  }

  static remove(file: string): void {
    rmSync(file, { force: true });
    rmSync(`${file}.json`, { force: true });
  }
}

function readSidecar(file: string): IndexSidecar | null {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Partial<IndexSidecar>;
    if (
      typeof s.dim === 'number' &&
      typeof s.counter === 'number' &&
      typeof s.m === 'number' &&
      typeof s.efConstruction === 'number'
    ) {
      return { dim: s.dim, counter: s.counter, m: s.m, efConstruction: s.efConstruction };
    }
    return null;
  } catch {
    return null;
  }
}
