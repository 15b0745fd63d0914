// One fine-tuning run on a library: collect its pairs, split them by seed, train adapters on the
// model's own stored embeddings (adapters never stack), and save the result as the model's next
// adapter version with its before/after metrics. Activating it is a separate, reversible step.

import type { Library } from '../library/library.js';
import { Random } from '../random.js';
import type { AdapterRecord } from './adapter-store.js';
import { collectPairs } from './pairs.js';
import { splitPairs } from './split.js';
import {
  DEFAULT_ANCHOR_WEIGHT,
  DEFAULT_LR,
  TrainingCancelled,
  trainAdapter,
  type TrainOptions,
  type TrainResult,
} from './trainer.js';

export interface FineTuneOptions extends Omit<TrainOptions, 'random'> {
  seed?: number;
  /** Share of the pairs' photos held out for evaluation (default 0.2). */
  heldOutFraction?: number;
  /** Library photos sampled as negatives and distractors (default 5000). */
  poolSize?: number;
}

export interface FineTuneReport {
  adapter: AdapterRecord;
  result: TrainResult;
  pairs: { train: number; heldOut: number; negatives: number };
  /** Why nothing was held out to measure the run by (too few pairs); null when it was measured. */
  notMeasured: string | null;
}

/** Fewer (photo, text) pairs than this leave nothing to learn from: the run is refused. */
export const MIN_PAIRS_TO_LEARN = 4;
/** Fewer held-out pairs than this measure nothing: they are trained on, and no result is claimed. */
export const MIN_HELD_OUT = 3;

/** There is too little to learn from; says what the user can do. */
export class TooLittleToLearnError extends Error {
  override readonly name = 'TooLittleToLearnError';
}

/** Refuses a run with fewer than MIN_PAIRS_TO_LEARN pairs, saying what would make it possible. */
export function checkEnoughToLearn(pairs: number): void {
  if (pairs >= MIN_PAIRS_TO_LEARN) return;
  throw new TooLittleToLearnError(
    pairs === 0
      ? 'no training pairs: caption some photos or accept some tags first'
      : `too little to learn from: ${pairs} training pair${pairs === 1 ? '' : 's'}; caption or accept tags on at least ${MIN_PAIRS_TO_LEARN} photos`,
  );
}

export async function fineTune(library: Library, options: FineTuneOptions = {}): Promise<FineTuneReport> {
  const seed = options.seed ?? 1;
  const random = new Random(seed);
  const { pairs, negatives } = collectPairs(library);
  checkEnoughToLearn(pairs.length);
  const split = splitPairs(pairs, seed, options.heldOutFraction ?? 0.2);
  // A test of one or two pairs measures nothing: train on them, and say that nothing was measured.
  const measured = split.heldOut.length >= MIN_HELD_OUT;
  const train = measured ? split.train : [...split.train, ...split.heldOut];
  const heldOut = measured ? split.heldOut : [];
  const notMeasured = measured
    ? null
    : `not measured: ${pairs.length} pairs are too few to set ${MIN_HELD_OUT} aside as a test (about ${Math.ceil(MIN_HELD_OUT / (options.heldOutFraction ?? 0.2))} are needed)`;
  const used = new Set([...pairs, ...negatives].map((p) => p.photoId));
  const others = library.store.embeddedIds(library.modelId).filter((id) => !used.has(id));
  const pool = random.sample(others, options.poolSize ?? 5000);
  const { model } = library;
  const result = await trainAdapter(
    {
      dim: model.embedDim,
      logitScale: model.spec.scoring.logitScale,
      train,
      heldOut,
      negatives,
      pool,
      images: (ids) => library.store.vectors(library.modelId, ids),
      encodeTexts: (texts) => model.encodeTexts(texts),
    },
    { ...options, seed, random },
  );
  // A cancelled run saves nothing: half-trained weights are no version anyone asked for.
  if (result.stopped === 'cancelled') throw new TrainingCancelled('fine-tuning was cancelled');
  const settings = {
    seed,
    heldOutFraction: options.heldOutFraction ?? 0.2,
    sides: options.sides ?? { image: true, text: true },
    lr: options.lr ?? DEFAULT_LR,
    weightDecay: options.weightDecay ?? 0.5,
    anchorWeight: options.anchorWeight ?? DEFAULT_ANCHOR_WEIGHT,
    batchSize: options.batchSize ?? 64,
  };
  const metrics = {
    before: result.before,
    after: result.after,
    steps: result.steps,
    stopped: result.stopped,
    seconds: result.ms / 1000,
    pairs: { train: train.length, heldOut: heldOut.length, negatives: negatives.length },
    notMeasured,
  };
  const adapter = library.adapters.save(library.modelId, result.params, settings, metrics);
  return { adapter, result, pairs: metrics.pairs, notMeasured };
}
