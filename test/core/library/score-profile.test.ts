// The selection and profile behind exact search, against a plain sort of the same scores: the n best
// rows in order (ties, n past the end), and a profile whose weights count every photo once.

import { describe, expect, it } from 'vitest';
import { bestRows, profileOf } from '../../../electron/core/library/score-profile.js';
import { Random } from '../../../electron/core/random.js';

describe('bestRows', () => {
  it('gives the rows of the n best scores, best first, as a full sort does', () => {
    const rng = new Random(4);
    for (const size of [1, 7, 200, 5000]) {
      // Rounded: many ties.
      const scores = Float32Array.from({ length: size }, () => Math.round(rng.normal() * 50) / 50);
      const sorted = Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number));
      for (const n of [0, 1, 10, 200, size + 3]) {
        const rows = bestRows(scores, n);
        expect(rows).toHaveLength(Math.min(n, size));
        expect(new Set(rows).size).toBe(rows.length);
        expect(rows.map((r) => scores[r])).toEqual(sorted.slice(0, n).map((r) => scores[r]));
      }
    }
  });
});

describe('profileOf', () => {
  it('keeps the head exactly and stands a stride sample in for the rest, every photo counted once', () => {
    const rng = new Random(9);
    for (const size of [50, 4300, 30_000]) {
      const scores = Float32Array.from({ length: size }, () => rng.normal());
      const head = bestRows(scores, 200);
      const profile = profileOf(scores, head);
      const total = profile.reduce((sum, p) => sum + p.weight, 0);
      expect(total).toBeCloseTo(size, 6);
      expect(profile.slice(0, head.length).every((p) => p.weight === 1)).toBe(true);
      expect(profile.length).toBeLessThanOrEqual(Math.min(size, 200 + 4000 + 1));
      const values = profile.map((p) => p.score);
      expect(values).toEqual([...values].sort((a, b) => b - a));
    }
  });
});
