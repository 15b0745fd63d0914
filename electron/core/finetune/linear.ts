// Dense float64 matrices for adapter training: row-major buffers and the few operations the
// contrastive gradient needs. The large products go through a pluggable MatMul: onnxruntime's
// (float32, fast) in training, an exact JavaScript one in the gradient check.

import { matmul } from '../math/onnx-matmul.js';

/** a [n, k] x b [k, m] -> [n, m], row-major. */
export type MatMul = (
  a: Float64Array,
  n: number,
  k: number,
  b: Float64Array,
  m: number,
) => Promise<Float64Array>;

export const jsMatmul: MatMul = (a, n, k, b, m) => {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p] as number;
      if (x === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] = (out[i * m + j] as number) + x * (b[p * m + j] as number);
    }
  return Promise.resolve(out);
};

/** a [n, k] x b [k, m] in float32 through onnxruntime (MLAS sgemm), row-major. */
export const ortMatmulF32 = (
  a: Float32Array,
  n: number,
  k: number,
  b: Float32Array,
  m: number,
): Promise<Float32Array> => matmul(a, n, k, b, m);

/** onnxruntime's MLAS sgemm: float32 inside, an order of magnitude faster for 512 x 512 adapters. */
export const ortMatmul: MatMul = async (a, n, k, b, m) =>
  new Float64Array(await ortMatmulF32(new Float32Array(a), n, k, new Float32Array(b), m));

export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j] as number;
  return out;
}

/** Rows of a normalised to unit length; also returns each row's original norm. */
export function normalizeRows(
  a: Float64Array,
  rows: number,
  cols: number,
): { unit: Float64Array; norms: Float64Array } {
  const unit = new Float64Array(a.length);
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) s += (a[i * cols + j] as number) ** 2;
    const n = Math.sqrt(s) || 1e-12;
    norms[i] = n;
    for (let j = 0; j < cols; j++) unit[i * cols + j] = (a[i * cols + j] as number) / n;
  }
  return { unit, norms };
}

/** Back through row normalisation: d(a) from d(unit) for u = a / |a|. */
export function normalizeRowsBackward(
  unit: Float64Array,
  norms: Float64Array,
  dUnit: Float64Array,
  rows: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(unit.length);
  for (let i = 0; i < rows; i++) {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += (unit[i * cols + j] as number) * (dUnit[i * cols + j] as number);
    const n = norms[i] as number;
    for (let j = 0; j < cols; j++)
      out[i * cols + j] = ((dUnit[i * cols + j] as number) - (unit[i * cols + j] as number) * dot) / n;
  }
  return out;
}
