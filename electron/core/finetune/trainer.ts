// Trains residual adapters on stored embeddings with the contrastive loss (contrastive-loss.ts) and
// AdamW, evaluating held-out text-to-photo recall@5 as it goes and keeping the best weights (early
// stopping). Deterministic for a seed; cancellable between steps; streams progress. Photos are
// never re-read: only their stored embeddings and the captions' text embeddings are used.

import type { Random } from '../random.js';
import { AdamW } from './adamw.js';
import { contrastiveLoss, type AdapterParams } from './contrastive-loss.js';
import { normalizeRows, ortMatmul, type MatMul } from './linear.js';
import type { TrainingPair } from './split.js';

export interface TrainerData {
  dim: number;
  /** The model's logit scale, where the temperature starts. */
  logitScale: number;
  train: readonly TrainingPair[];
  heldOut: readonly TrainingPair[];
  /** (photo, text) the user rejected: the text is pushed away from that photo and all others. */
  negatives: readonly TrainingPair[];
  /** Library photos that are not training pairs: negatives in batches, distractors in evaluation. */
  pool: readonly number[];
  images: (ids: readonly number[]) => Map<number, Float32Array>;
  encodeTexts: (texts: readonly string[]) => Promise<Float32Array[]>;
}

export interface TrainOptions {
  seed?: number;
  sides?: { image: boolean; text: boolean };
  batchSize?: number;
  /** Library photos added to each batch as negatives. */
  negativePhotos?: number;
  lr?: number;
  weightDecay?: number;
  maxSteps?: number;
  evalEvery?: number;
  /** Evaluations without improvement before stopping. */
  patience?: number;
  /** Distractor photos in the held-out gallery. */
  galleryDistractors?: number;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  matmul?: MatMul;
  random: Random;
}

export interface TrainProgress {
  step: number;
  maxSteps: number;
  loss: number;
  heldOutRecall: number | null;
}

export interface Metrics {
  heldOutRecallAt5: number;
  trainRecallAt5: number;
}

export interface TrainResult {
  params: AdapterParams;
  before: Metrics;
  after: Metrics;
  history: TrainProgress[];
  steps: number;
  stopped: 'converged' | 'max-steps' | 'cancelled';
  ms: number;
}

type Vectors = Map<string, Float64Array>;

function toF64(v: Float32Array): Float64Array {
  return Float64Array.from(v);
}

/** x -> normalise(x + x W) for a set of row vectors. */
async function projectAll(
  vs: readonly Float64Array[],
  w: Float64Array | null,
  dim: number,
  mm: MatMul,
): Promise<Float64Array> {
  const flat = new Float64Array(vs.length * dim);
  vs.forEach((v, i) => {
    flat.set(v, i * dim);
  });
  if (!w) return normalizeRows(flat, vs.length, dim).unit;
  const xw = await mm(flat, vs.length, dim, w, dim);
  for (let i = 0; i < xw.length; i++) xw[i] = (xw[i] as number) + (flat[i] as number);
  return normalizeRows(xw, vs.length, dim).unit;
}

export interface Retrieval {
  /** Share of pairs whose photo is among the 5 best for its caption, other photos with that caption aside. */
  recallAt5: number;
  /** Mean of 1 / (1 + photos wrongly ranked above the pair's photo): smooth, for early stopping. */
  reciprocalRank: number;
}

/**
 * Text-to-photo retrieval of each pair's photo by its caption, in a gallery of the pairs' photos and
 * the distractors. Photos carrying the same caption do not count against each other.
 */
export async function retrieval(
  pairs: readonly TrainingPair[],
  distractors: readonly number[],
  imageVecs: Map<number, Float64Array>,
  textVecs: Vectors,
  params: AdapterParams,
  mm: MatMul,
): Promise<Retrieval> {
  const captions = [...new Set(pairs.map((p) => p.text))];
  if (!pairs.length) return { recallAt5: 0, reciprocalRank: 0 };
  const gallery = [...new Set([...pairs.map((p) => p.photoId), ...distractors])].filter((id) =>
    imageVecs.has(id),
  );
  const d = params.dim;
  const x = await projectAll(
    gallery.map((id) => imageVecs.get(id) as Float64Array),
    params.image,
    d,
    mm,
  );
  const y = await projectAll(
    captions.map((c) => textVecs.get(c) as Float64Array),
    params.text,
    d,
    mm,
  );
  const row = new Map(gallery.map((id, i) => [id, i]));
  let hits = 0;
  let rr = 0;
  captions.forEach((c, j) => {
    const relevant = new Set(pairs.filter((p) => p.text === c).map((p) => p.photoId));
    const scores = gallery.map((_, i) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += (x[i * d + k] as number) * (y[j * d + k] as number);
      return s;
    });
    const wrong = gallery.flatMap((id, i) => (relevant.has(id) ? [] : [scores[i] as number]));
    for (const id of relevant) {
      const s = scores[row.get(id) ?? -1];
      if (s === undefined) continue;
      const above = wrong.filter((w) => w > s).length;
      if (above < 5) hits++;
      rr += 1 / (1 + above);
    }
  });
  return { recallAt5: hits / pairs.length, reciprocalRank: rr / pairs.length };
}

export class TrainingCancelled extends Error {
  override readonly name = 'TrainingCancelled';
}

export async function trainAdapter(data: TrainerData, options: TrainOptions): Promise<TrainResult> {
  const started = performance.now();
  const mm = options.matmul ?? ortMatmul;
  const random = options.random;
  const d = data.dim;
  const sides = options.sides ?? { image: true, text: true };
  const batchSize = options.batchSize ?? 64;
  const negativePhotos = options.negativePhotos ?? 64;
  const maxSteps = options.maxSteps ?? 2000;
  const evalEvery = options.evalEvery ?? 10;
  const patience = options.patience ?? 15;
  if (!data.train.length) throw new Error('no training pairs: caption some photos or accept some tags first');

  // Everything the run needs, embedded once.
  const photoIds = [
    ...new Set([...data.train, ...data.heldOut, ...data.negatives].map((p) => p.photoId)),
    ...data.pool,
  ];
  const imageVecs = new Map([...data.images(photoIds)].map(([id, v]) => [id, toF64(v)]));
  const texts = [...new Set([...data.train, ...data.heldOut, ...data.negatives].map((p) => p.text))];
  const encoded = await data.encodeTexts(texts);
  const textVecs: Vectors = new Map(texts.map((t, i) => [t, toF64(encoded[i] as Float32Array)]));
  const train = data.train.filter((p) => imageVecs.has(p.photoId));
  const pool = data.pool.filter((id) => imageVecs.has(id));
  const distractors = random.sample(pool, Math.min(pool.length, options.galleryDistractors ?? 500));

  const params: AdapterParams = {
    dim: d,
    image: sides.image ? new Float64Array(d * d) : null,
    text: sides.text ? new Float64Array(d * d) : null,
    logScale: Math.log(data.logitScale),
  };
  const evaluate = async (p: AdapterParams): Promise<Metrics> => ({
    heldOutRecallAt5: (await retrieval(data.heldOut, distractors, imageVecs, textVecs, p, mm)).recallAt5,
    trainRecallAt5: (await retrieval(train, distractors, imageVecs, textVecs, p, mm)).recallAt5,
  });
  const before = await evaluate(params);
  // Measured on the test model's new-concept task: lr 1e-3 with decay 0.05 learnt the concept
  // (held-out recall@5 1.0) but cost 9.7 points of zero-shot accuracy; 5e-4 with 0.5 reached 0.95
  // and kept zero-shot accuracy (+0.7 points).
  const lr = options.lr ?? 5e-4;
  const weightDecay = options.weightDecay ?? 0.5;
  const optImage = new AdamW(d * d, { lr, weightDecay });
  const optText = new AdamW(d * d, { lr, weightDecay });
  const optScale = new AdamW(1, { lr, weightDecay: 0 });
  const negativesByPhoto = new Map<number, string[]>();
  for (const n of data.negatives)
    negativesByPhoto.set(n.photoId, [...(negativesByPhoto.get(n.photoId) ?? []), n.text]);

  const history: TrainProgress[] = [];
  const useHeldOut = data.heldOut.length > 0;
  let best = {
    score: useHeldOut
      ? (await retrieval(data.heldOut, distractors, imageVecs, textVecs, params, mm)).reciprocalRank
      : -Infinity,
    params: structuredClone(params),
    step: 0,
  };
  let sinceBest = 0;
  const order: TrainingPair[] = [];
  let stopped: TrainResult['stopped'] = 'max-steps';
  let step = 0;
  let lossAverage = NaN;
  while (step < maxSteps) {
    if (options.signal?.aborted) {
      stopped = 'cancelled';
      break;
    }
    if (order.length < Math.min(batchSize, train.length)) order.push(...random.shuffle([...train]));
    // One caption per photo and one photo per caption in a batch: a duplicate would be a false negative.
    const batch: TrainingPair[] = [];
    const seenPhotos = new Set<number>();
    const seenTexts = new Set<string>();
    const rest: TrainingPair[] = [];
    while (order.length && batch.length < batchSize) {
      const p = order.shift() as TrainingPair;
      if (seenPhotos.has(p.photoId) || seenTexts.has(p.text)) rest.push(p);
      else {
        batch.push(p);
        seenPhotos.add(p.photoId);
        seenTexts.add(p.text);
      }
    }
    order.unshift(...rest);
    const negTexts = [...new Set(batch.flatMap((p) => negativesByPhoto.get(p.photoId) ?? []))].filter(
      (t) => !seenTexts.has(t),
    );
    const negPhotos = random.sample(
      pool.filter((id) => !seenPhotos.has(id)),
      negativePhotos,
    );
    const images = new Float64Array((batch.length + negPhotos.length) * d);
    [...batch.map((p) => p.photoId), ...negPhotos].forEach((id, i) => {
      images.set(imageVecs.get(id) as Float64Array, i * d);
    });
    const textRows = new Float64Array((batch.length + negTexts.length) * d);
    [...batch.map((p) => p.text), ...negTexts].forEach((t, i) => {
      textRows.set(textVecs.get(t) as Float64Array, i * d);
    });

    const g = await contrastiveLoss(params, { images, texts: textRows, pairs: batch.length }, mm);
    if (params.image && g.image) optImage.step(params.image, g.image);
    if (params.text && g.text) optText.step(params.text, g.text);
    const scale = Float64Array.of(params.logScale);
    optScale.step(scale, Float64Array.of(g.logScale), false);
    // CLIP clips the scale at 100 so the softmax cannot become arbitrarily sharp.
    params.logScale = Math.min(scale[0] as number, Math.log(100));
    step++;
    lossAverage = Number.isNaN(lossAverage) ? g.loss : 0.9 * lossAverage + 0.1 * g.loss;

    let heldOutRecall: number | null = null;
    if (step % evalEvery === 0 || step === maxSteps) {
      // Early stopping follows the smooth reciprocal rank; recall@5 is what is reported.
      const r = useHeldOut
        ? await retrieval(data.heldOut, distractors, imageVecs, textVecs, params, mm)
        : null;
      const m = r ? r.reciprocalRank : -lossAverage;
      heldOutRecall = r ? r.recallAt5 : null;
      if (m > best.score + 1e-9) {
        best = { score: m, params: structuredClone(params), step };
        sinceBest = 0;
      } else if (++sinceBest >= patience) {
        stopped = 'converged';
      }
    }
    const progress = { step, maxSteps, loss: g.loss, heldOutRecall };
    history.push(progress);
    options.onProgress?.(progress);
    if (stopped === 'converged') break;
    // Let cancellation and progress events through between steps.
    await new Promise((r) => setImmediate(r));
  }
  const finalParams = best.step > 0 ? best.params : params;
  return {
    params: finalParams,
    before,
    after: await evaluate(finalParams),
    history,
    steps: step,
    stopped,
    ms: performance.now() - started,
  };
}
