// The relevance cut-off on score distributions built here with known groups: a bell with a group
// above it (found, nothing else, and all of it but a straggler or two that the draw put in the band),
// a bell alone (nothing stands out, for many seeds), a group that is half the library, and a sampled
// distribution (weights) that must agree with the full one.

import { describe, expect, it } from 'vitest';
import { relevanceCut, type WeightedScore } from '../../../electron/core/library/relevance.js';
import { Random } from '../../../electron/core/random.js';

/** n draws from a normal distribution (Box-Muller). */
function bell(random: Random, n: number, mean: number, sd: number): number[] {
  return Array.from({ length: n }, () => {
    const u = Math.max(random.next(), 1e-12);
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
  });
}

const sorted = (scores: number[]): WeightedScore[] =>
  scores.sort((a, b) => b - a).map((score) => ({ score, weight: 1 }));

/** The cut keeps the whole group but for at most `stragglers` of its lowest, and nothing below it. */
function expectGroup(
  cut: { threshold: number | null; strong: number },
  group: number[],
  rest: number[],
  stragglers = 2,
): void {
  expect(cut.threshold).not.toBeNull();
  const threshold = cut.threshold ?? Infinity;
  expect(threshold).toBeGreaterThan(Math.max(...rest));
  const kept = group.filter((s) => s >= threshold).length;
  expect(kept).toBeGreaterThanOrEqual(group.length - stragglers);
  expect(cut.strong).toBe(kept);
}

describe('relevanceCut', () => {
  it('finds a small group standing above the bulk, all of it and nothing else', () => {
    for (const size of [8, 12, 40]) {
      const random = new Random(size);
      const group = bell(random, size, 0.68, 0.015);
      const rest = bell(random, 1500, 0.2, 0.08);
      expectGroup(relevanceCut(sorted([...rest, ...group])), group, rest, size === 8 ? 0 : 2);
    }
  });

  it('does not let a few photos that happen to lie close together stand out on an ordinary gap', () => {
    // "a bowl of noodles on a wooden table" over the 52 shapes of the CLI tests, as the test model
    // scores them: three photos within .013 of each other, then .042 to the next two and .13 to the
    // rest. Two spacings say little about a density.
    const scores = [
      0.436, 0.426, 0.423, 0.381, 0.366, 0.291, 0.279, 0.229, 0.228, 0.204, 0.2, 0.194, 0.18, 0.174, 0.166,
      0.164, 0.157, 0.123, 0.118, 0.095, 0.085, 0.061, 0.048, 0.031, 0.014, -0.008, -0.017, -0.05, -0.082,
      -0.093, -0.108, -0.136, -0.142, -0.194, -0.206, -0.212, -0.241, -0.244, -0.248, -0.329, -0.362, -0.424,
      -0.452, -0.456, -0.462, -0.5, -0.517, -0.543, -0.584, -0.631, -0.68, -0.726,
    ];
    const cut = relevanceCut(sorted(scores));
    expect(cut.threshold).toBeNull();
  });

  it('finds nothing in a single bell, whatever its seed and size', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = new Random(seed);
      const n = [200, 1500, 4000][seed % 3] as number;
      expect(relevanceCut(sorted(bell(random, n, 0.3, 0.05))).threshold).toBeNull();
    }
  });

  it('keeps a look-alike cluster below the group out of it, and a stray one in the band', () => {
    const random = new Random(7);
    // 20 red stars, one orange star just under them, the other orange stars a little lower, then the rest.
    // (When look-alikes reach right up to the group, group and look-alikes stand out together.)
    const group = bell(random, 20, 0.66, 0.015);
    const rest = [0.585, ...bell(random, 60, 0.5, 0.02), ...bell(random, 1400, 0, 0.1)];
    expectGroup(relevanceCut(sorted([...group, ...rest])), group, rest);
  });

  it('takes a group that is half the library when it stands apart (dark backgrounds)', () => {
    const random = new Random(3);
    const dark = bell(random, 700, 0.52, 0.02);
    const rest = bell(random, 800, 0.0, 0.05);
    expectGroup(relevanceCut(sorted([...dark, ...rest])), dark, rest);
  });

  it('does not take a valley deep in the rest for a group', () => {
    const random = new Random(11);
    // Most of the library in one bell at the top, a smaller cluster well below it with a clean valley
    // between them: the valley lies below the median, so the bell is not a group that stands out.
    const upper = bell(random, 1000, 0.4, 0.03);
    const lower = bell(random, 500, -0.2, 0.03);
    const cut = relevanceCut(sorted([...upper, ...lower, ...bell(random, 300, 0.1, 0.2)]));
    expect(cut.threshold).toBeNull();
  });

  it('reads a sampled distribution (an exact head and weighted sample) as it reads the whole one', () => {
    const random = new Random(5);
    const group = bell(random, 25, 0.7, 0.012);
    const rest = bell(random, 100_000, 0.15, 0.07);
    const all = sorted([...rest, ...group]);
    const full = relevanceCut(all);
    // The exact top 200 and every 25th photo below them, each standing for 25.
    const head = all.slice(0, 200);
    const sample = all.slice(200).filter((_, i) => i % 25 === 0);
    const weight = (all.length - 200) / sample.length;
    const sampled = relevanceCut([...head, ...sample.map((s) => ({ score: s.score, weight }))]);
    expectGroup(full, group, rest);
    expect(sampled.threshold).toBe(full.threshold);
    expect(sampled.strong).toBe(full.strong);
  });

  it('needs enough scores to judge', () => {
    expect(relevanceCut(sorted([0.9, 0.2, 0.1])).threshold).toBeNull();
  });
});
