// A search space's vectors held in memory as one row-major matrix, so that exact search is one
// onnxruntime Gemm over all of them (MLAS: ~8 ms for 100k x 512 on two cores) rather than a SQLite read
// per photo (1.5-1.9 s for 100k). Rows are added, replaced and removed as the index is, so the matrix
// never needs rebuilding; a removed row is filled with the last one. A change that arrives while a
// product is reading the matrix (indexing beside a search) waits until it is done, so every score
// belongs to the photo it is reported for.

import { similarityMatrix, similarityOfRows } from '../math/onnx-matmul.js';
import { IdSet, type IdLookup } from './id-set.js';

const GROW = 1.5;
/** Rows scoresWhere reads at a time, and the most it gathers into one onnxruntime run. */
const BLOCK = 16_384;
/**
 * A block in which the filter keeps at least this share is scored whole rather than gathered: a row
 * scored where it lies costs ~0.1 us, one gathered ~0.2 us (a million rows, two cores).
 */
const DENSE = 0.5;

export class VectorRows {
  private data: Float32Array;
  /** The same memory as data, by byte. */
  private bytes: Uint8Array;
  private idAt: Int32Array;
  /**
   * Each id's row plus one (0: none), indexed by id. Ids are SQLite rowids, at most a little over the
   * number of photos ever added, so this costs 4 bytes an id; a Map of a million ids was half the heap
   * every full garbage collection marked (pauses of up to ~30 ms, in the middle of searches).
   */
  private rowOfId = new Int32Array(1024);
  private count = 0;
  /** Products reading the matrix now, and the changes waiting for them to finish. */
  private readers = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.data = new Float32Array(Math.max(capacity, 1) * dim);
    this.bytes = new Uint8Array(this.data.buffer);
    this.idAt = new Int32Array(Math.max(capacity, 1));
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.rowOf(id) !== undefined;
  }

  private rowOf(id: number): number | undefined {
    // A typed array gives undefined for any index it lacks: negative, fractional or past its end.
    const plus = this.rowOfId[id];
    return plus ? plus - 1 : undefined;
  }

  private setRowOf(id: number, row: number): void {
    if (id >= this.rowOfId.length) {
      const grown = new Int32Array(Math.max(id + 1, Math.ceil(this.rowOfId.length * GROW)));
      grown.set(this.rowOfId);
      this.rowOfId = grown;
    }
    this.rowOfId[id] = row + 1;
  }

  /** A copy of this id's vector, or undefined when it has none. */
  vector(id: number): Float32Array | undefined {
    const row = this.rowOf(id);
    return row === undefined ? undefined : this.data.slice(row * this.dim, (row + 1) * this.dim);
  }

  /** Adds a vector, or replaces the one stored for this id. */
  set(id: number, vector: Float32Array): void {
    if (vector.length !== this.dim)
      throw new Error(`vector has ${vector.length} dimensions, the rows ${this.dim}`);
    if (this.readers > 0) {
      const copy = Float32Array.from(vector);
      this.waiting.push(() => {
        this.set(id, copy);
      });
      return;
    }
    const row = this.rowFor(id); // first: it may grow the matrix
    this.data.set(vector, row * this.dim);
  }

  /** Adds or replaces a vector from its stored bytes (little-endian float32, as SQLite keeps them). */
  setBytes(id: number, bytes: Uint8Array): void {
    if (bytes.byteLength !== this.dim * 4)
      throw new Error(
        `photo ${id}: stored vector has ${bytes.byteLength / 4} dimensions, the rows ${this.dim}`,
      );
    if (this.readers > 0) {
      // Copied bytewise: a blob's memory may not be 4-byte aligned.
      const copy = new Float32Array(this.dim);
      new Uint8Array(copy.buffer).set(bytes);
      this.set(id, copy);
      return;
    }
    // Straight into the row, bytewise (a blob may not be 4-byte aligned): no copy per photo, which
    // was most of the time reading 100k vectors.
    const row = this.rowFor(id); // first: it may grow the matrix
    this.bytes.set(bytes, row * this.dim * 4);
  }

  /** The row that holds this id's vector, a new one at the end when it has none. */
  private rowFor(id: number): number {
    let row = this.rowOf(id);
    if (row === undefined) {
      if (!Number.isInteger(id) || id < 0) throw new Error(`not a photo id: ${id}`);
      if (this.count === this.idAt.length) this.grow();
      row = this.count++;
      this.setRowOf(id, row);
      this.idAt[row] = id;
    }
    return row;
  }

  delete(id: number): void {
    if (this.readers > 0) {
      this.waiting.push(() => {
        this.delete(id);
      });
      return;
    }
    const row = this.rowOf(id);
    if (row === undefined) return;
    this.rowOfId[id] = 0;
    const last = --this.count;
    if (row !== last) {
      const moved = this.idAt[last] as number;
      this.data.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.idAt[row] = moved;
      this.setRowOf(moved, row);
    }
  }

  /** The query's dot product with every row, and whose each score is (ids[r] for scores[r]). */
  async scores(query: Float32Array): Promise<{ ids: Int32Array; scores: Float32Array }> {
    const ids = this.idAt.slice(0, this.count);
    if (this.count === 0) return { ids, scores: new Float32Array(0) };
    this.readers++;
    try {
      const scores = await similarityMatrix(this.data.subarray(0, this.count * this.dim), this.count, [
        query,
      ]);
      return { ids, scores };
    } finally {
      if (--this.readers === 0) for (const change of this.waiting.splice(0)) change();
    }
  }

  /**
   * The query's dot product with the rows whose id `keep` allows, and whose each score is. Rows are
   * taken in blocks: a block the filter keeps enough of (a date range or a folder, whose photos were
   * indexed together) is scored where it lies; the kept rows of the others are gathered and scored by
   * onnxruntime in one run per BLOCK of them. So a filter costs in proportion to the photos it allows,
   * not to the library.
   */
  async scoresWhere(query: Float32Array, keep: IdLookup): Promise<{ ids: Int32Array; scores: Float32Array }> {
    const { dim, idAt } = this;
    this.readers++;
    try {
      // Sized once: growing them by doubling left four times their size in fresh memory per search.
      const bound = keep instanceof IdSet ? Math.min(this.count, keep.size) : this.count;
      const ids = new Int32Array(bound);
      const scores = new Float32Array(bound);
      let found = 0;
      const picked = new Int32Array(BLOCK); // rows of the block being read that the filter keeps
      let pending = new Int32Array(BLOCK); // kept rows of sparse blocks, not scored yet
      let waiting = 0;
      const flush = async (): Promise<void> => {
        if (!waiting) return;
        const rows = pending.subarray(0, waiting);
        pending = new Int32Array(BLOCK); // the run reads `rows` while the next ones are picked
        waiting = 0;
        const s = await similarityOfRows(this.data, this.count, rows, query);
        for (let j = 0; j < rows.length; j++) {
          ids[found] = idAt[rows[j] as number] as number;
          scores[found++] = s[j] as number;
        }
      };
      for (let start = 0; start < this.count && found + waiting < bound; start += BLOCK) {
        const end = Math.min(this.count, start + BLOCK);
        let count = 0;
        if (keep instanceof IdSet) count = keep.pick(idAt, start, end, picked);
        else for (let r = start; r < end; r++) if (keep.has(idAt[r] as number)) picked[count++] = r;
        if (count === 0) continue;
        if (count >= DENSE * (end - start)) {
          const s = await similarityMatrix(this.data.subarray(start * dim, end * dim), end - start, [query]);
          for (let j = 0; j < count; j++) {
            const r = picked[j] as number;
            ids[found] = idAt[r] as number;
            scores[found++] = s[r - start] as number;
          }
          continue;
        }
        for (let j = 0; j < count; j++) {
          if (waiting === BLOCK) await flush();
          pending[waiting++] = picked[j] as number;
        }
      }
      await flush();
      return { ids: ids.subarray(0, found), scores: scores.subarray(0, found) };
    } finally {
      if (--this.readers === 0) for (const change of this.waiting.splice(0)) change();
    }
  }

  private grow(): void {
    const capacity = Math.ceil(this.idAt.length * GROW) + 1;
    const data = new Float32Array(capacity * this.dim);
    data.set(this.data);
    const idAt = new Int32Array(capacity);
    idAt.set(this.idAt);
    this.data = data;
    this.bytes = new Uint8Array(data.buffer);
    this.idAt = idAt;
  }
}
