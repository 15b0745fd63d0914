// A uniform sample of the search space's embeddings, held in memory, for judging a query's score
// distribution over a library too large to score whole on every query (relevance.ts). Read once and
// read again only when the space has changed by more than a small share since (new photos, another
// adapter), so a search during indexing does not reread it every time.

import type { Library } from './library.js';
import { VectorRows } from './vector-rows.js';

/** Photos in the sample: scoring them is one small product (~0.3 ms); the shape is clear well before. */
export const SAMPLE_SIZE = 4000;
/** The share of the space that may change before the sample is drawn again. */
const STALE_SHARE = 0.05;

interface Sample {
  modelId: number;
  size: number;
  rows: VectorRows;
}

const samples = new WeakMap<Library, Sample>();

/** Every photo of the space when it has at most SAMPLE_SIZE, else an evenly spaced SAMPLE_SIZE of them. */
export function scoreSample(library: Library): VectorRows {
  const { index, modelId } = library.space;
  const cached = samples.get(library);
  if (
    cached?.modelId === modelId &&
    Math.abs(cached.size - index.size) <= Math.max(1, STALE_SHARE * cached.size)
  )
    return cached.rows;
  const ids = [...index.ids()];
  const step = Math.max(1, ids.length / SAMPLE_SIZE);
  const chosen: number[] = [];
  for (let i = 0; i < ids.length; i += step) chosen.push(ids[Math.floor(i)] as number);
  const rows = new VectorRows(library.model.embedDim, chosen.length);
  for (const [id, vector] of library.store.vectors(modelId, chosen)) rows.set(id, vector);
  samples.set(library, { modelId, size: index.size, rows });
  return rows;
}
