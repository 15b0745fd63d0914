// Turns similarities into the model's own scores: CLIP's softmax over scaled cosines,
// or SigLIP's independent sigmoids with a learnt bias.

import type { ScoringSpec } from './model-spec.js';
import { dot } from './vectors.js';

/** Logits of one image against several texts (unit vectors in, scale x cosine [+ bias] out). */
export function logits(scoring: ScoringSpec, image: Float32Array, texts: readonly Float32Array[]): number[] {
  const bias = scoring.kind === 'sigmoid' ? scoring.logitBias : 0;
  return texts.map((t) => scoring.logitScale * dot(image, t) + bias);
}

export function softmax(xs: readonly number[]): number[] {
  const max = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Probabilities as the model was trained to give them: a distribution (CLIP) or per-text (SigLIP). */
export function probabilities(
  scoring: ScoringSpec,
  image: Float32Array,
  texts: readonly Float32Array[],
): number[] {
  const l = logits(scoring, image, texts);
  return scoring.kind === 'softmax' ? softmax(l) : l.map((x) => 1 / (1 + Math.exp(-x)));
}
