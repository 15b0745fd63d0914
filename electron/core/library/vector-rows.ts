// A search space's vectors held in memory as one row-major matrix, so that exact search is one
// onnxruntime Gemm over all of them (MLAS: ~8 ms for 100k x 512 on two cores) rather than a SQLite read
// per photo (1.5-1.9 s for 100k). Rows are added, replaced and removed as the index is, so the matrix
// never needs rebuilding; a removed row is filled with the last one.

import { similarityMatrix } from '../math/onnx-matmul.js';

const GROW = 1.5;

export class VectorRows {
  private data: Float32Array;
  private idAt: Int32Array;
  private readonly rowOf = new Map<number, number>();
  private count = 0;

  constructor(
    readonly dim: number,
    capacity = 1024,
  ) {
    this.data = new Float32Array(Math.max(capacity, 1) * dim);
    this.idAt = new Int32Array(Math.max(capacity, 1));
  }

  get size(): number {
    return this.count;
  }

  has(id: number): boolean {
    return this.rowOf.has(id);
  }

  /** The photo id of each row, rows 0 to size - 1 (a view: valid until the next change). */
  ids(): Int32Array {
    return this.idAt.subarray(0, this.count);
  }

  /** Adds a vector, or replaces the one stored for this id. */
  set(id: number, vector: Float32Array): void {
    if (vector.length !== this.dim)
      throw new Error(`vector has ${vector.length} dimensions, the rows ${this.dim}`);
    let row = this.rowOf.get(id);
    if (row === undefined) {
      if (this.count === this.idAt.length) this.grow();
      row = this.count++;
      this.rowOf.set(id, row);
      this.idAt[row] = id;
    }
    this.data.set(vector, row * this.dim);
  }

  /** Adds or replaces a vector from its stored bytes (little-endian float32, as SQLite keeps them). */
  setBytes(id: number, bytes: Uint8Array): void {
    if (bytes.byteLength !== this.dim * 4)
      throw new Error(
        `photo ${id}: stored vector has ${bytes.byteLength / 4} dimensions, the rows ${this.dim}`,
      );
    // Copied bytewise: a blob's memory may not be 4-byte aligned.
    const scratch = new Float32Array(this.dim);
    new Uint8Array(scratch.buffer).set(bytes);
    this.set(id, scratch);
  }

  delete(id: number): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    this.rowOf.delete(id);
    const last = --this.count;
    if (row !== last) {
      const moved = this.idAt[last] as number;
      this.data.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.idAt[row] = moved;
      this.rowOf.set(moved, row);
    }
  }

  /** The query's dot product with every row, in row order (ids() says whose). */
  async scores(query: Float32Array): Promise<Float32Array> {
    if (this.count === 0) return new Float32Array(0);
    return similarityMatrix(this.data.subarray(0, this.count * this.dim), this.count, [query]);
  }

  private grow(): void {
    const capacity = Math.ceil(this.idAt.length * GROW) + 1;
    const data = new Float32Array(capacity * this.dim);
    data.set(this.data);
    const idAt = new Int32Array(capacity);
    idAt.set(this.idAt);
    this.data = data;
    this.idAt = idAt;
  }
}
