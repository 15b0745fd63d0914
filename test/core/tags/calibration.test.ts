// Calibration on score distributions whose right answer is known by construction.

import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../electron/core/tags/calibration.js';
import { Random } from '../../../electron/core/random.js';

function normal(random: Random, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => mean + sd * random.normal());
}

describe('calibrate', () => {
  it('splits two clean clusters between them, whatever their proportions', () => {
    for (const [neg, pos] of [
      [5000, 1000],
      [3000, 3000],
      [9900, 100],
    ] as const) {
      const random = new Random(neg + pos);
      const scores = [...normal(random, neg, 0.2, 0.03), ...normal(random, pos, 0.35, 0.02)];
      const c = calibrate(scores);
      expect(c.method).toBe('mixture');
      expect(c.separation).toBeGreaterThan(4);
      // Between the clusters, and classifying almost every photo right.
      const wrong =
        scores.slice(0, neg).filter((s) => s >= c.threshold).length +
        scores.slice(neg).filter((s) => s < c.threshold).length;
      expect(wrong / (neg + pos)).toBeLessThan(0.005);
      expect(c.spread).toBeCloseTo(0.02, 2);
    }
  });

  it('splits the concept off the top when the rest is itself two clusters, one tight and low', () => {
    // Seen in a 40-photo library: 7 unrelated photos far below (a clean but irrelevant valley with a
    // large Ashman's D), a broad bulk, and the concept on top. The split must be the top one.
    // The scores of "a photo of a star" over that library (16 stars: 0.45 and up).
    const scores = [
      -0.26, -0.27, -0.27, -0.28, -0.28, -0.29, -0.3, 0.08, 0.13, 0.14, 0.16, 0.16, 0.19, 0.2, 0.25, 0.26,
      0.27, 0.27, 0.28, 0.29, 0.3, 0.32, 0.33, 0.37, 0.45, 0.53, 0.55, 0.56, 0.58, 0.59, 0.59, 0.6, 0.61,
      0.62, 0.62, 0.62, 0.62, 0.63, 0.63, 0.64,
    ];
    const c = calibrate(scores);
    expect(c.method).toBe('mixture');
    expect(c.threshold).toBeGreaterThan(0.37);
    expect(c.threshold).toBeLessThanOrEqual(0.45);
  });

  it('splits the concept off its look-alikes when they sit half-way up and the rest far below', () => {
    // Shaped like "red things" over a library of eight colours (measured 2026-11-29 on a candidate
    // test model): red on top, orange and purple half-way, five colours far below with their own gaps.
    // The widest valley lies under orange and purple; the concept's is the narrow one above them.
    const random = new Random(11);
    const concept = normal(random, 33, 0.57, 0.025);
    const lookAlikes = [...normal(random, 33, 0.39, 0.045), ...normal(random, 34, 0.33, 0.05)];
    const rest = [-0.05, -0.18, -0.27, -0.52, -0.58].flatMap((mean) => normal(random, 38, mean, 0.04));
    const c = calibrate([...rest, ...lookAlikes, ...concept]);
    expect(c.method).toBe('mixture');
    const wrong =
      lookAlikes.filter((s) => s >= c.threshold).length + concept.filter((s) => s < c.threshold).length;
    expect(wrong).toBeLessThanOrEqual(1);
  });

  it('tags a concept that is most of the library, with a tail of its own, whole', () => {
    // Shaped like "dark background" over a library a little over half dark (measured 2026-11-29 on a
    // candidate test model): dark photos tight near the top with a tail of dark-on-dark shapes a bit
    // lower, light photos far below. The valley above the median only cuts the tail off.
    for (const seed of [1, 2, 3]) {
      const random = new Random(seed);
      const concept = [...normal(random, 141, 0.52, 0.015), ...normal(random, 14, 0.44, 0.02)];
      const rest = normal(random, 133, 0.03, 0.06);
      const c = calibrate([...rest, ...concept]);
      expect(c.method, `seed ${seed}`).toBe('mixture');
      expect(concept.filter((s) => s < c.threshold).length, `seed ${seed}`).toBe(0);
      expect(rest.filter((s) => s >= c.threshold).length, `seed ${seed}`).toBe(0);
    }
  });

  it('keeps a concept whole when its own photos form two loose sub-clusters', () => {
    // Red shapes on dark and on light backgrounds score a little apart; re-splitting the top cluster
    // at its own scale must not cut between them (only look-alikes well apart are split off).
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = new Random(seed);
      const concept = [...normal(random, 60, 0.55, 0.02), ...normal(random, 60, 0.6, 0.02)];
      const rest = normal(random, 2000, 0.1, 0.06);
      const c = calibrate([...rest, ...concept]);
      expect(c.method, `seed ${seed}`).toBe('mixture');
      expect(concept.filter((s) => s < c.threshold).length, `seed ${seed}`).toBeLessThanOrEqual(2);
      expect(rest.filter((s) => s >= c.threshold).length, `seed ${seed}`).toBe(0);
    }
  });

  it('tags only outliers when the concept is absent (one cluster)', () => {
    const random = new Random(3);
    const scores = normal(random, 20000, 0.2, 0.03);
    const c = calibrate(scores);
    expect(c.method).toBe('outliers');
    expect(c.threshold).toBeGreaterThan(0.2 + 3 * 0.03);
    expect(scores.filter((s) => s >= c.threshold).length / scores.length).toBeLessThan(0.002);
  });

  it('tags nothing from fewer than eight photos', () => {
    const c = calibrate([0.1, 0.5, 0.2]);
    expect([0.1, 0.5, 0.2].filter((s) => s >= c.threshold)).toEqual([]);
  });
});
