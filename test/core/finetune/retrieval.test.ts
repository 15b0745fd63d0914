// Held-out retrieval scores in float32 and re-checks near ties in float64: its metrics must be exactly
// those of a plain float64 ranking, including photos whose scores differ from the relevant photo's
// by far less than float32 can resolve.

import { describe, expect, it } from 'vitest';
import { normalizeRows } from '../../../electron/core/finetune/linear.js';
import { jsMatmul } from '../../../electron/core/finetune/linear.js';
import { evaluateRetrieval, retrievalSet } from '../../../electron/core/finetune/retrieval.js';
import type { TrainingPair } from '../../../electron/core/finetune/split.js';
import { Random } from '../../../electron/core/random.js';

const D = 64;

function unit(random: Random): Float64Array {
  return normalizeRows(
    Float64Array.from({ length: D }, () => random.normal()),
    1,
    D,
  ).unit;
}

/** v nudged by `size` in a random direction, renormalised. */
function nudge(v: Float64Array, size: number, random: Random): Float64Array {
  const out = Float64Array.from(v, (x) => x + size * random.normal());
  return normalizeRows(out, 1, D).unit;
}

/** The definition: rank every gallery photo by its float64 dot product with the caption. */
function reference(
  pairs: readonly TrainingPair[],
  gallery: readonly number[],
  images: Map<number, Float64Array>,
  texts: Map<string, Float64Array>,
): { recallAt5: number; reciprocalRank: number } {
  let hits = 0;
  let rr = 0;
  const dot = (a: Float64Array, b: Float64Array): number => {
    let s = 0;
    for (let k = 0; k < D; k++) s += (a[k] as number) * (b[k] as number);
    return s;
  };
  for (const caption of new Set(pairs.map((p) => p.text))) {
    const relevant = new Set(pairs.filter((p) => p.text === caption).map((p) => p.photoId));
    const y = texts.get(caption) as Float64Array;
    const wrong = gallery.flatMap((g) => {
      const x = images.get(g);
      return !relevant.has(g) && x ? [dot(x, y)] : [];
    });
    for (const id of relevant) {
      const x = images.get(id);
      if (!x) continue;
      const s = dot(x, y);
      const above = wrong.filter((w) => w > s).length;
      if (above < 5) hits++;
      rr += 1 / (1 + above);
    }
  }
  return { recallAt5: hits / pairs.length, reciprocalRank: rr / pairs.length };
}

describe('retrieval', () => {
  it('gives exactly the float64 ranking, near ties included', async () => {
    const random = new Random(5);
    const images = new Map<number, Float64Array>();
    const texts = new Map<string, Float64Array>();
    const pairs: TrainingPair[] = [];
    for (let i = 1; i <= 40; i++) {
      const photo = unit(random);
      images.set(i, photo);
      const text = `caption ${i % 35}`; // some captions carry two photos
      if (!texts.has(text)) texts.set(text, nudge(photo, 0.3, random));
      pairs.push({ photoId: i, text });
    }
    pairs.push({ photoId: 999, text: 'caption 3' }); // a photo without an embedding
    const distractors: number[] = [];
    let id = 1000;
    for (const p of pairs.slice(0, 30)) {
      // Distractors scoring within ~1e-9 of the pair's photo: below float32's resolution.
      const near = images.get(p.photoId);
      if (!near) continue;
      for (const size of [1e-9, 3e-9, 1e-7, 1e-5]) {
        images.set(id, nudge(near, size, random));
        distractors.push(id++);
      }
    }
    for (let i = 0; i < 200; i++) {
      images.set(id, unit(random));
      distractors.push(id++);
    }
    const set = retrievalSet(pairs, distractors, images, texts, D);
    const got = await evaluateRetrieval(set, { dim: D, image: null, text: null, logScale: 0 }, jsMatmul);
    const gallery = [...new Set([...pairs.map((p) => p.photoId), ...distractors])];
    const want = reference(pairs, gallery, images, texts);
    expect(got.recallAt5).toBe(want.recallAt5);
    expect(got.reciprocalRank).toBe(want.reciprocalRank);
    // Sanity: the near ties make this neither trivially perfect nor hopeless.
    expect(want.recallAt5).toBeGreaterThan(0.1);
    expect(want.recallAt5).toBeLessThan(1);
  });

  it('splits large galleries into caption chunks without changing the result', async () => {
    const random = new Random(8);
    const images = new Map<number, Float64Array>();
    const texts = new Map<string, Float64Array>();
    const pairs: TrainingPair[] = [];
    for (let i = 1; i <= 300; i++) {
      const photo = unit(random);
      images.set(i, photo);
      texts.set(`c${i}`, nudge(photo, 0.4, random));
      pairs.push({ photoId: i, text: `c${i}` });
    }
    const distractors: number[] = [];
    for (let i = 0; i < 14_000; i++) {
      images.set(10_000 + i, unit(random));
      distractors.push(10_000 + i);
    }
    // 14,300 gallery rows: about 280 captions a chunk, so the 300 captions take two.
    const set = retrievalSet(pairs, distractors, images, texts, D);
    const got = await evaluateRetrieval(set, { dim: D, image: null, text: null, logScale: 0 }, jsMatmul);
    const want = reference(pairs, [...pairs.map((p) => p.photoId), ...distractors], images, texts);
    expect(got).toEqual(want);
  });
});
