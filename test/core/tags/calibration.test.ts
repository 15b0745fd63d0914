// Calibration on score distributions whose right answer is known by construction.

import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../electron/core/tags/calibration.js';
import { Random } from '../../../electron/core/random.js';

function normal(random: Random, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => mean + sd * random.normal());
}

/** The concept's photos a threshold leaves out, and the other photos it lets in. */
function errors(concept: number[], rest: number[], threshold: number): { missed: number; extra: number } {
  return {
    missed: concept.filter((s) => s < threshold).length,
    extra: rest.filter((s) => s >= threshold).length,
  };
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
    const { missed, extra } = errors(concept, lookAlikes, c.threshold);
    expect(missed + extra).toBeLessThanOrEqual(1);
  });

  it('tags a concept that is most of the library, with a tail of its own, whole', () => {
    // The scores of "dark background" over the tagging test's library (288 photos, 155 dark) with a
    // candidate test model (2026-11-29): dark photos tight near the top with a tail of dark-on-dark
    // shapes a little lower, light photos far below. The one valley above the median only cuts the
    // tail off; the split must be the clean one under all the dark photos.
    const dark = [
      0.394, 0.403, 0.425, 0.436, 0.44, 0.44, 0.444, 0.446, 0.449, 0.449, 0.45, 0.45, 0.452, 0.455, 0.468,
      0.47, 0.471, 0.474, 0.478, 0.481, 0.482, 0.484, 0.485, 0.485, 0.487, 0.488, 0.488, 0.489, 0.489, 0.489,
      0.49, 0.49, 0.491, 0.493, 0.493, 0.493, 0.493, 0.494, 0.495, 0.496, 0.497, 0.497, 0.497, 0.497, 0.498,
      0.498, 0.498, 0.498, 0.499, 0.499, 0.499, 0.5, 0.501, 0.501, 0.501, 0.501, 0.501, 0.501, 0.502, 0.502,
      0.502, 0.502, 0.502, 0.503, 0.504, 0.504, 0.505, 0.505, 0.505, 0.505, 0.506, 0.506, 0.507, 0.507, 0.507,
      0.507, 0.507, 0.508, 0.508, 0.509, 0.509, 0.509, 0.51, 0.51, 0.51, 0.511, 0.511, 0.511, 0.511, 0.512,
      0.512, 0.512, 0.512, 0.513, 0.513, 0.514, 0.514, 0.514, 0.515, 0.515, 0.515, 0.516, 0.516, 0.516, 0.516,
      0.517, 0.517, 0.517, 0.518, 0.518, 0.518, 0.518, 0.519, 0.519, 0.519, 0.52, 0.52, 0.52, 0.521, 0.521,
      0.523, 0.523, 0.525, 0.525, 0.526, 0.526, 0.526, 0.526, 0.526, 0.527, 0.527, 0.528, 0.528, 0.528, 0.529,
      0.529, 0.529, 0.53, 0.53, 0.531, 0.532, 0.532, 0.532, 0.533, 0.534, 0.535, 0.536, 0.536, 0.536, 0.54,
      0.541, 0.542, 0.544, 0.544, 0.545,
    ];
    const light = [
      -0.17, -0.163, -0.162, -0.16, -0.158, -0.156, -0.143, -0.14, -0.138, -0.132, -0.13, -0.129, -0.127,
      -0.126, -0.125, -0.122, -0.118, -0.117, -0.11, -0.11, -0.11, -0.109, -0.107, -0.106, -0.105, -0.102,
      -0.102, -0.102, -0.099, -0.099, -0.096, -0.093, -0.093, -0.093, -0.089, -0.088, -0.088, -0.088, -0.086,
      -0.085, -0.083, -0.083, -0.08, -0.08, -0.078, -0.078, -0.077, -0.077, -0.076, -0.074, -0.074, -0.073,
      -0.071, -0.07, -0.07, -0.069, -0.069, -0.067, -0.067, -0.066, -0.066, -0.065, -0.065, -0.064, -0.063,
      -0.063, -0.063, -0.062, -0.06, -0.06, -0.058, -0.058, -0.056, -0.056, -0.055, -0.052, -0.051, -0.05,
      -0.048, -0.047, -0.046, -0.045, -0.045, -0.043, -0.042, -0.04, -0.037, -0.035, -0.035, -0.033, -0.031,
      -0.03, -0.03, -0.027, -0.026, -0.025, -0.024, -0.024, -0.019, -0.018, -0.018, -0.017, -0.014, -0.014,
      -0.006, -0.005, -0.005, -0.004, -0.004, -0.003, -0.002, -0.002, 0.003, 0.006, 0.01, 0.021, 0.024, 0.03,
      0.031, 0.036, 0.042, 0.05, 0.052, 0.062, 0.065, 0.071, 0.082, 0.083, 0.09, 0.091, 0.096, 0.102, 0.109,
    ];
    const c = calibrate([...light, ...dark]);
    expect(c.method).toBe('mixture');
    expect(dark.filter((s) => s < c.threshold)).toEqual([]);
    expect(light.filter((s) => s >= c.threshold)).toEqual([]);
  });

  it('does not re-split a concept under its few highest scores', () => {
    // Shaped like "square" over the tagging test's library with a candidate model (2026-11-29): the 4
    // best squares a little apart from the other 39 (D 4.6), hexagons below them, the rest far below.
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = new Random(seed);
      const concept = [...normal(random, 39, 0.47, 0.03), ...normal(random, 4, 0.6, 0.01)];
      const rest = [...normal(random, 45, 0.32, 0.03), ...normal(random, 200, 0.1, 0.08)];
      const c = calibrate([...rest, ...concept]);
      const { missed, extra } = errors(concept, rest, c.threshold);
      expect(missed + extra, `seed ${seed}`).toBeLessThanOrEqual(3);
    }
  });

  it('does not re-split a concept under a small top that stands apart', () => {
    // The scores of "hexagon" over the tagging test's library with another candidate model
    // (2026-11-29): the 9 best of 44 hexagons stand apart from the rest by D 4.5, which a split at
    // the hexagons' own scale took for look-alikes (recall 0.205).
    const hexagons = [
      0.321, 0.414, 0.431, 0.44, 0.447, 0.449, 0.454, 0.455, 0.463, 0.464, 0.465, 0.467, 0.469, 0.469, 0.47,
      0.476, 0.476, 0.476, 0.478, 0.479, 0.482, 0.486, 0.486, 0.486, 0.487, 0.487, 0.488, 0.49, 0.491, 0.494,
      0.495, 0.495, 0.503, 0.507, 0.511, 0.539, 0.552, 0.559, 0.56, 0.564, 0.567, 0.583, 0.598, 0.606,
    ];
    const others = [
      -0.27, -0.267, -0.253, -0.252, -0.251, -0.246, -0.246, -0.242, -0.241, -0.238, -0.235, -0.227, -0.227,
      -0.226, -0.223, -0.221, -0.22, -0.217, -0.211, -0.208, -0.207, -0.205, -0.205, -0.203, -0.199, -0.192,
      -0.191, -0.188, -0.185, -0.179, -0.175, -0.174, -0.173, -0.16, -0.154, -0.153, -0.151, -0.15, -0.144,
      -0.141, -0.124, -0.112, -0.11, -0.107, -0.1, -0.084, -0.078, -0.077, -0.073, -0.068, -0.068, -0.067,
      -0.067, -0.066, -0.063, -0.057, -0.056, -0.056, -0.054, -0.046, -0.044, -0.043, -0.04, -0.04, -0.032,
      -0.028, -0.027, -0.027, -0.021, -0.02, -0.02, -0.02, -0.014, -0.012, -0.01, -0.01, -0.008, -0.007,
      0.002, 0.004, 0.01, 0.016, 0.017, 0.018, 0.019, 0.022, 0.024, 0.025, 0.033, 0.033, 0.036, 0.038, 0.039,
      0.045, 0.047, 0.047, 0.051, 0.052, 0.052, 0.054, 0.056, 0.058, 0.06, 0.061, 0.062, 0.07, 0.07, 0.071,
      0.085, 0.089, 0.095, 0.096, 0.1, 0.107, 0.108, 0.108, 0.109, 0.112, 0.113, 0.119, 0.122, 0.122, 0.124,
      0.132, 0.134, 0.134, 0.136, 0.141, 0.141, 0.141, 0.143, 0.145, 0.148, 0.149, 0.15, 0.151, 0.151, 0.151,
      0.152, 0.152, 0.153, 0.154, 0.156, 0.158, 0.159, 0.159, 0.16, 0.164, 0.164, 0.165, 0.166, 0.166, 0.168,
      0.169, 0.171, 0.172, 0.176, 0.178, 0.179, 0.179, 0.179, 0.181, 0.182, 0.183, 0.184, 0.186, 0.186, 0.187,
      0.189, 0.192, 0.193, 0.195, 0.195, 0.197, 0.197, 0.199, 0.201, 0.203, 0.204, 0.205, 0.206, 0.209, 0.21,
      0.21, 0.211, 0.215, 0.217, 0.217, 0.219, 0.221, 0.221, 0.223, 0.224, 0.225, 0.226, 0.226, 0.226, 0.229,
      0.231, 0.232, 0.234, 0.234, 0.235, 0.236, 0.238, 0.241, 0.243, 0.245, 0.247, 0.248, 0.248, 0.253, 0.253,
      0.255, 0.257, 0.26, 0.262, 0.265, 0.265, 0.268, 0.269, 0.271, 0.273, 0.275, 0.28, 0.281, 0.283, 0.283,
      0.285, 0.288, 0.289, 0.29, 0.295, 0.296, 0.299, 0.3, 0.301, 0.305, 0.308, 0.317, 0.333, 0.338, 0.378,
      0.432,
    ];
    const c = calibrate([...others, ...hexagons]);
    const { missed, extra } = errors(hexagons, others, c.threshold);
    expect(missed).toBeLessThanOrEqual(2);
    expect(extra).toBeLessThanOrEqual(2);
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
      const { missed, extra } = errors(concept, rest, c.threshold);
      expect(missed, `seed ${seed}`).toBeLessThanOrEqual(2);
      expect(extra, `seed ${seed}`).toBe(0);
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

  it('does not take the few photos in the far lower tail of a large bell for the rest of the library', () => {
    // 100k photos of one bell: smoothing isolates a handful of photos far below the bulk, and a split
    // over them looked like "everything else is the concept" (every photo tagged, before the rule).
    for (const seed of [1, 2, 3, 4]) {
      const scores = Float32Array.from(normal(new Random(seed), 100_000, 0.1, 0.1));
      const c = calibrate(scores);
      expect(scores.filter((s) => s >= c.threshold).length, `seed ${seed}`).toBeLessThan(50);
    }
  });

  it('tags nothing from fewer than eight photos', () => {
    const c = calibrate([0.1, 0.5, 0.2]);
    expect([0.1, 0.5, 0.2].filter((s) => s >= c.threshold)).toEqual([]);
  });
});
