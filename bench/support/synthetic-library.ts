// A library database of n synthetic photos with clustered unit embeddings, in the real schema and
// under the model key the given model opens, so Library.open, Searcher and Tagger run on it unchanged.
// Built once per size and model and kept in the cache folder: the million takes minutes.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ClipModel } from '../../electron/core/clip/clip-model.js';
import { openDatabase } from '../../electron/core/library/database.js';
import { modelKey } from '../../electron/core/library/library.js';
import { PhotoStore, vectorToBlob } from '../../electron/core/library/photo-store.js';
import { Random } from '../../electron/core/random.js';

/** Unit vectors around `clusters` random centres: photo libraries are clumpy, not uniform. */
export function syntheticVectors(n: number, dim: number, seed: number, clusters = 2000): Float32Array {
  const rng = new Random(seed);
  const centres = new Float32Array(clusters * dim).map(() => rng.normal());
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = rng.int(0, clusters - 1);
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = (centres[c * dim + d] as number) + 0.6 * rng.normal();
      out[i * dim + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[i * dim + d] = (out[i * dim + d] as number) / norm;
  }
  return out;
}

/**
 * Queries of three kinds for a library made by syntheticVectors(n, dim, seed): held-out photos of its
 * own clusters (photo-like, "find similar"); cluster centres moved across a modality gap, one fixed
 * offset for all plus noise (a text query lands near its photos' direction, never on them); and random
 * directions (far from every cluster). `gap` scales the offset and noise: larger is harder.
 */
export function syntheticQueries(
  n: number,
  dim: number,
  seed: number,
  count: number,
  gap = 1,
): { photoLike: Float32Array; acrossGap: Float32Array; random: Float32Array } {
  const photoLike = syntheticVectors(n + count, dim, seed).slice(n * dim);
  // The generator's first draws are its centres: the same stream gives the same centres.
  const rng = new Random(seed);
  const clusters = 2000;
  const centres = new Float32Array(clusters * dim).map(() => rng.normal());
  const other = new Random(seed + 7);
  const offset = new Float32Array(dim).map(() => other.normal());
  const acrossGap = new Float32Array(count * dim);
  for (let q = 0; q < count; q++) {
    const c = other.int(0, clusters - 1);
    for (let d = 0; d < dim; d++)
      acrossGap[q * dim + d] =
        (centres[c * dim + d] as number) + gap * (1.2 * (offset[d] as number) + 0.8 * other.normal());
  }
  normalizeRows(acrossGap, dim);
  const random = new Float32Array(count * dim).map(() => other.normal());
  normalizeRows(random, dim);
  return { photoLike, acrossGap, random };
}

function normalizeRows(m: Float32Array, dim: number): void {
  for (let r = 0; r < m.length / dim; r++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += (m[r * dim + d] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let d = 0; d < dim; d++) m[r * dim + d] = (m[r * dim + d] as number) / norm;
  }
}

export interface SyntheticLibrary {
  dbPath: string;
  vectors: Float32Array;
  /** Seconds spent inserting (0 when the cached database was reused). */
  insertSeconds: number;
  /** Database file size per photo in KB (main file plus WAL). */
  dbKbPerPhoto: () => number;
}

export function syntheticLibrary(dir: string, n: number, model: ClipModel): SyntheticLibrary {
  const dim = model.embedDim;
  const dbPath = join(dir, 'library.sqlite');
  const vectors = syntheticVectors(n, dim, n);
  const db = openDatabase(dbPath, { skipCheck: true });
  const store = new PhotoStore(db);
  const modelId = store.modelId(modelKey(model), model.spec.name, dim);
  const count = (sql: string, ...args: unknown[]): number =>
    db
      .prepare(sql)
      .pluck()
      .get(...args) as number;
  /** Runs fill(i) for every photo, 10,000 to a transaction. */
  const inChunks = (fill: (i: number) => void): void => {
    for (let start = 0; start < n; start += 10_000) {
      db.transaction(() => {
        for (let i = start; i < Math.min(n, start + 10_000); i++) fill(i);
      })();
    }
  };
  const t0 = performance.now();
  let inserted = false;
  if (count("SELECT COUNT(*) FROM photos WHERE status = 'indexed'") !== n) {
    db.exec('DELETE FROM photos; DELETE FROM folders;');
    const folder = store.addFolder('/synthetic');
    const photo = db.prepare(
      `INSERT INTO photos (id, folder_id, path, size, mtime_ms, content_hash, width, height, format, taken_at,
         camera, status, indexed_at) VALUES (?, ?, ?, ?, ?, ?, 4000, 3000, 'jpeg', ?, ?, 'indexed', ?)`,
    );
    const now = Date.now();
    inChunks((i) => {
      const id = i + 1;
      const hash = id.toString(16).padStart(64, '0');
      photo.run(
        id,
        folder.id,
        `/synthetic/${Math.floor(i / 1000)}/IMG_${id}.jpg`,
        3_500_000,
        now,
        hash,
        now - i * 60_000,
        i % 3 ? 'Pixel 8' : 'iPhone 15',
        now,
      );
    });
    inserted = true;
  }
  // Counted for this model only: a library cached for fp32 holds no int8 embeddings, and reusing it for
  // int8 searched an empty space (recall 0.000, an index of 0 KB). The photos may be there from another
  // model or variant: this model's embeddings go in beside theirs.
  if (count('SELECT COUNT(*) FROM embeddings WHERE model_id = ?', modelId) !== n) {
    db.prepare('DELETE FROM embeddings WHERE model_id = ?').run(modelId);
    const put = db.prepare('INSERT INTO embeddings (model_id, photo_id, vector) VALUES (?, ?, ?)');
    inChunks((i) => put.run(modelId, i + 1, vectorToBlob(vectors.subarray(i * dim, (i + 1) * dim))));
    inserted = true;
  }
  const insertSeconds = inserted ? (performance.now() - t0) / 1000 : 0;
  if (inserted) db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
  return {
    dbPath,
    vectors,
    insertSeconds,
    dbKbPerPhoto: () => (size(dbPath) + size(`${dbPath}-wal`)) / n / 1024,
  };
}
