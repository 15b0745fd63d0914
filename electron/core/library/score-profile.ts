// The best rows of a score array and the score profile the relevance cut-off reads, for exact search
// over every photo's score: a selection (quickselect, then a sort of the few chosen) rather than a sort
// of 100k scores, and a stride sample of the rest rather than all of it.

import type { WeightedScore } from './relevance.js';

/** Scores below the head that the profile keeps: a stride sample describes the rest as well. */
const PROFILE_SAMPLE = 4000;

/** The rows of the n best scores, best first (a selection, then a sort of those n only). */
export function bestRows(scores: Float32Array, n: number): number[] {
  if (n <= 0) return [];
  let rows: number[];
  if (n >= scores.length) rows = Array.from(scores.keys());
  else {
    const threshold = nthLargest(scores, n);
    rows = [];
    for (let r = 0; r < scores.length; r++) if ((scores[r] as number) > threshold) rows.push(r);
    for (let r = 0; r < scores.length && rows.length < n; r++) if (scores[r] === threshold) rows.push(r);
  }
  return rows.sort((a, b) => (scores[b] as number) - (scores[a] as number)).slice(0, n);
}

/** The n-th largest value (1-based), by quickselect on a copy. */
function nthLargest(values: Float32Array, n: number): number {
  const a = Float32Array.from(values);
  let lo = 0;
  let hi = a.length - 1;
  const target = n - 1; // position in descending order
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) > pivot) i++;
      while ((a[j] as number) < pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i++] = a[j] as number;
        a[j--] = t;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target] as number;
}

/**
 * The score distribution the cut-off reads: the head exactly, and below it every score when they are
 * few, else an even stride of them, each standing for its share of the rest.
 */
export function profileOf(scores: Float32Array, head: readonly number[]): WeightedScore[] {
  const inHead = new Uint8Array(scores.length);
  for (const r of head) inHead[r] = 1;
  const rest = scores.length - head.length;
  const step = Math.max(1, rest / PROFILE_SAMPLE);
  const below: number[] = [];
  let next = 0;
  for (let r = 0, seen = 0; r < scores.length; r++) {
    if (inHead[r]) continue;
    if (seen++ >= next) {
      below.push(scores[r] as number);
      next += step;
    }
  }
  return weightedProfile(
    head.map((r) => scores[r] as number),
    below,
    rest,
  );
}

/**
 * A profile from its exact head (best first, weight 1 each) and a sample of the photos below it, the
 * sample standing for `rest` photos in all (sorted here, best first).
 */
export function weightedProfile(head: readonly number[], below: number[], rest: number): WeightedScore[] {
  const weight = below.length ? rest / below.length : 0;
  below.sort((a, b) => b - a);
  return [...head.map((score) => ({ score, weight: 1 })), ...below.map((score) => ({ score, weight }))];
}
