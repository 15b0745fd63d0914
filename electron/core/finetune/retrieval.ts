// Held-out (and training) text-to-photo retrieval for early stopping and before/after metrics.
// A run evaluates the same pairs against the same gallery many times, so everything that does not
// depend on the adapter (gallery and caption matrices, which gallery rows each caption is relevant
// to) is laid out once in a RetrievalSet; each evaluation then only projects and scores.

import { normalizeRows, ortMatmulF32, type MatMul } from './linear.js';
import type { AdapterParams } from './contrastive-loss.js';
import type { TrainingPair } from './split.js';

export interface Retrieval {
  /** Share of pairs whose photo is among the 5 best for its caption, other photos with that caption aside. */
  recallAt5: number;
  /** Mean of 1 / (1 + photos wrongly ranked above the pair's photo): smooth, for early stopping. */
  reciprocalRank: number;
}

export interface RetrievalSet {
  dim: number;
  /** Pairs counted in the denominators (including any whose photo has no embedding). */
  pairCount: number;
  /** Gallery embeddings (pair photos, then distractors), row-major, galleryRows x dim. */
  gallery: Float64Array;
  galleryRows: number;
  /** One row per distinct caption, row-major. */
  captions: Float64Array;
  captionRows: number;
  /** For each caption, the gallery rows of the photos that carry it. */
  relevant: Int32Array[];
}

/** Lays out the pairs' captions and a gallery of their photos plus the distractors, once per run. */
export function retrievalSet(
  pairs: readonly TrainingPair[],
  distractors: readonly number[],
  imageVecs: ReadonlyMap<number, Float64Array>,
  textVecs: ReadonlyMap<string, Float64Array>,
  dim: number,
): RetrievalSet {
  const captions = [...new Set(pairs.map((p) => p.text))];
  const galleryIds = [...new Set([...pairs.map((p) => p.photoId), ...distractors])].filter((id) =>
    imageVecs.has(id),
  );
  const rowOf = new Map(galleryIds.map((id, i) => [id, i]));
  const photosOf = new Map<string, Set<number>>(captions.map((c) => [c, new Set<number>()]));
  for (const p of pairs) photosOf.get(p.text)?.add(p.photoId);
  const relevant = captions.map((c) => {
    const rows = [...(photosOf.get(c) ?? [])].flatMap((id) => {
      const r = rowOf.get(id);
      return r === undefined ? [] : [r];
    });
    return Int32Array.from(rows);
  });
  return {
    dim,
    pairCount: pairs.length,
    gallery: stackRows(
      galleryIds.map((id) => imageVecs.get(id) as Float64Array),
      dim,
    ),
    galleryRows: galleryIds.length,
    captions: stackRows(
      captions.map((c) => textVecs.get(c) as Float64Array),
      dim,
    ),
    captionRows: captions.length,
    relevant,
  };
}

function stackRows(vs: readonly Float64Array[], dim: number): Float64Array {
  const flat = new Float64Array(vs.length * dim);
  for (let i = 0; i < vs.length; i++) flat.set(vs[i] as Float64Array, i * dim);
  return flat;
}

/** x -> normalise(x + x W) for row-major rows. */
export async function projectRows(
  flat: Float64Array,
  rows: number,
  w: Float64Array | null,
  dim: number,
  mm: MatMul,
): Promise<Float64Array> {
  if (!w) return normalizeRows(flat, rows, dim).unit;
  const xw = await mm(flat, rows, dim, w, dim);
  for (let i = 0; i < xw.length; i++) xw[i] = (xw[i] as number) + (flat[i] as number);
  return normalizeRows(xw, rows, dim).unit;
}

// Scores are first computed in float32 by onnxruntime (an order of magnitude faster than a JavaScript
// loop: with 10k pairs, 2,000 held-out captions against a 3,000-photo gallery are 6 GFLOP at every
// evaluation) and then made exact where it matters. For unit vectors the float32 product is within d * 2^-24 (accumulation) + 2^-23
// (rounding the inputs) of the exact dot product, 3.1e-5 at d = 512. Every photo whose float32 score
// is within TOLERANCE of the relevant photo's exact score is compared again in float64, so each
// ranking, and so each metric, is the one exact float64 scores give.
const TOLERANCE = 1e-4;
/** Float32 scores per chunk of captions: bounds the score buffer at ~16 MB whatever the gallery. */
const CHUNK_SCORES = 4_000_000;

/** The exact score: a float64 dot product summed in k order. */
function exactDot(x: Float64Array, xi: number, y: Float64Array, yj: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += (x[xi + k] as number) * (y[yj + k] as number);
  return s;
}

/** Transposed float32 copy of row-major [rows, d]: the [d, rows] right operand of the score product. */
function transposeToF32(a: Float64Array, rows: number, d: number): Float32Array {
  const out = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++) {
    const ai = i * d;
    for (let k = 0; k < d; k++) out[k * rows + i] = a[ai + k] as number;
  }
  return out;
}

interface Tally {
  hits: number;
  rr: number;
}

/** Adds caption j's relevant photos to the tally, from its float32 score row. */
function rankCaption(
  j: number,
  approx: Float32Array,
  offset: number,
  relevant: Int32Array,
  isRelevant: Uint8Array,
  x: Float64Array,
  y: Float64Array,
  d: number,
  tally: Tally,
): void {
  const rows = isRelevant.length;
  const yj = j * d;
  for (const r of relevant) isRelevant[r] = 1;
  for (const r of relevant) {
    const s = exactDot(x, r * d, y, yj, d);
    const high = s + TOLERANCE;
    const low = s - TOLERANCE;
    let above = 0;
    for (let i = 0; i < rows; i++) {
      if (isRelevant[i] === 1) continue;
      const f = approx[offset + i] as number;
      if (f > high || (f > low && exactDot(x, i * d, y, yj, d) > s)) above++;
    }
    if (above < 5) tally.hits++;
    tally.rr += 1 / (1 + above);
  }
  for (const r of relevant) isRelevant[r] = 0;
}

/**
 * Text-to-photo retrieval of each pair's photo by its caption, in the set's gallery under the
 * adapter. Photos carrying the same caption do not count against each other.
 */
export async function evaluateRetrieval(
  set: RetrievalSet,
  params: AdapterParams,
  mm: MatMul,
): Promise<Retrieval> {
  if (!set.pairCount) return { recallAt5: 0, reciprocalRank: 0 };
  const d = set.dim;
  const rows = set.galleryRows;
  const x = await projectRows(set.gallery, rows, params.image, d, mm);
  const y = await projectRows(set.captions, set.captionRows, params.text, d, mm);
  const xT = transposeToF32(x, rows, d);
  const isRelevant = new Uint8Array(rows);
  const tally: Tally = { hits: 0, rr: 0 };
  const chunk = Math.max(1, Math.floor(CHUNK_SCORES / Math.max(1, rows)));
  for (let j0 = 0; j0 < set.captionRows; j0 += chunk) {
    const count = Math.min(chunk, set.captionRows - j0);
    const yChunk = new Float32Array(y.subarray(j0 * d, (j0 + count) * d));
    const approx = await ortMatmulF32(yChunk, count, d, xT, rows);
    for (let c = 0; c < count; c++)
      rankCaption(j0 + c, approx, c * rows, set.relevant[j0 + c] as Int32Array, isRelevant, x, y, d, tally);
  }
  return { recallAt5: tally.hits / set.pairCount, reciprocalRank: tally.rr / set.pairCount };
}
