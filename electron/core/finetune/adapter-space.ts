// Applying an adapter: a vector goes through x -> normalise(x + x W). An adapter with an image side
// gets an embedding space of its own in the library (a models row with its own HNSW index) holding
// every photo's re-projected embedding, filled in chunks through onnxruntime's MatMul from the base
// space's vectors in memory (100k photos: about a second, most of it SQLite's writes).

import { l2normalize } from '../clip/vectors.js';
import type { PhotoStore } from '../library/photo-store.js';
import type { VectorRows } from '../library/vector-rows.js';
import { vectorToBlob } from '../library/photo-store.js';
import { matmul } from '../math/onnx-matmul.js';

/** normalise(v + v W) for one vector; W is row-major dim x dim. */
export function projectVector(v: Float32Array, w: Float64Array | null): Float32Array {
  if (!w) return v;
  const d = v.length;
  const out = Float32Array.from(v);
  for (let i = 0; i < d; i++) {
    const x = v[i] as number;
    if (x === 0) continue;
    for (let j = 0; j < d; j++) out[j] = (out[j] as number) + x * (w[i * d + j] as number);
  }
  return l2normalize(out);
}

const CHUNK = 4096;

/**
 * Writes the projection of every photo embedded in the base space (its vectors in memory: `base`)
 * that the adapter's space lacks. Returns how many were written.
 */
export async function fillSpace(
  store: PhotoStore,
  base: { modelId: number; rows: VectorRows },
  spaceModelId: number,
  w: Float64Array,
  onProgress?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  const missing = store.db
    .prepare(
      `SELECT photo_id FROM embeddings e WHERE model_id = ? AND NOT EXISTS
       (SELECT 1 FROM embeddings s WHERE s.model_id = ? AND s.photo_id = e.photo_id) ORDER BY photo_id`,
    )
    .pluck()
    .all(base.modelId, spaceModelId) as number[];
  const { dim } = base.rows;
  const wf = Float32Array.from(w);
  const put = store.db.prepare(
    'INSERT OR REPLACE INTO embeddings (model_id, photo_id, vector) VALUES (?, ?, ?)',
  );
  for (let start = 0; start < missing.length; start += CHUNK) {
    if (signal?.aborted) throw new Error('re-projection was cancelled');
    const ids = missing.slice(start, start + CHUNK);
    const rows = new Float32Array(ids.length * dim);
    ids.forEach((id, i) => {
      const v = base.rows.vector(id);
      if (v) rows.set(v, i * dim);
    });
    const xw = await matmul(rows, ids.length, dim, wf, dim);
    store.db.transaction(() => {
      ids.forEach((id, i) => {
        const v = xw.subarray(i * dim, (i + 1) * dim);
        for (let k = 0; k < dim; k++) v[k] = (v[k] as number) + (rows[i * dim + k] as number);
        put.run(spaceModelId, id, vectorToBlob(l2normalize(v)));
      });
    })();
    onProgress?.(Math.min(start + CHUNK, missing.length), missing.length);
  }
  return missing.length;
}
