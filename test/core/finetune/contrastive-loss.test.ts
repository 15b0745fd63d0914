// The adapter's analytic gradients against central finite differences of the loss, on a small batch
// with hard-negative texts and negative photos, in exact float64 arithmetic, with and without the
// anchor term (on both sides); and the anchor term's value against a direct computation.

import { describe, expect, it } from 'vitest';
import {
  contrastiveLoss,
  type AdapterParams,
  type Batch,
} from '../../../electron/core/finetune/contrastive-loss.js';
import { jsMatmul, normalizeRows, ortMatmul } from '../../../electron/core/finetune/linear.js';
import { Random } from '../../../electron/core/random.js';

const D = 6;

function unitRows(random: Random, rows: number): Float64Array {
  return normalizeRows(
    Float64Array.from({ length: rows * D }, () => random.normal()),
    rows,
    D,
  ).unit;
}

function setup(seed: number): { params: AdapterParams; batch: Batch } {
  const random = new Random(seed);
  const small = (): Float64Array => Float64Array.from({ length: D * D }, () => 0.2 * random.normal());
  return {
    params: { dim: D, image: small(), text: small(), logScale: Math.log(5) },
    // 4 pairs, 2 negative photos, 3 negative texts.
    batch: { images: unitRows(random, 6), texts: unitRows(random, 7), pairs: 4 },
  };
}

describe('contrastive loss', () => {
  it.each([0, 2])('has gradients that match finite differences (anchor weight %d)', async (anchor) => {
    const { params, batch } = setup(11);
    const grad = await contrastiveLoss(params, batch, jsMatmul, anchor);
    const h = 1e-6;
    const numeric = async (poke: (delta: number) => void): Promise<number> => {
      poke(h);
      const up = (await contrastiveLoss(params, batch, jsMatmul, anchor)).loss;
      poke(-2 * h);
      const down = (await contrastiveLoss(params, batch, jsMatmul, anchor)).loss;
      poke(h);
      return (up - down) / (2 * h);
    };
    let worst = 0;
    for (const side of ['image', 'text'] as const) {
      const w = params[side] as Float64Array;
      const g = grad[side] as Float64Array;
      for (let k = 0; k < w.length; k++) {
        const n = await numeric((delta) => {
          w[k] = (w[k] as number) + delta;
        });
        worst = Math.max(
          worst,
          Math.abs(n - (g[k] as number)) / Math.max(1e-6, Math.abs(n) + Math.abs(g[k] as number)),
        );
        expect(g[k]).toBeCloseTo(n, 6);
      }
    }
    const ns = await numeric((delta) => {
      params.logScale += delta;
    });
    expect(grad.logScale).toBeCloseTo(ns, 6);
    console.log(
      `gradient check: worst relative error ${worst.toExponential(2)} over ${2 * D * D + 1} parameters`,
    );
  });

  it('adds weight times the mean squared distance the negative photos moved, through each side', async () => {
    const { params, batch } = setup(14);
    // Each negative photo row e (rows 4 and 5) goes to normalise(e + e W), computed directly, for the
    // image adapter and, standing in for the texts that describe it, for the text adapter.
    const moved = (w: Float64Array): number => {
      let sum = 0;
      for (const row of [4, 5]) {
        const e = batch.images.subarray(row * D, (row + 1) * D);
        const x = Array.from({ length: D }, (_, j) =>
          e.reduce((s, v, i) => s + v * (w[i * D + j] as number), e[j] as number),
        );
        const norm = Math.hypot(...x);
        sum += x.reduce((s, v, j) => s + (v / norm - (e[j] as number)) ** 2, 0);
      }
      return sum;
    };
    const image = moved(params.image as Float64Array);
    const text = moved(params.text as Float64Array);
    const plain = (await contrastiveLoss(params, batch, jsMatmul)).loss;
    const anchored = (await contrastiveLoss(params, batch, jsMatmul, 3)).loss;
    expect(image).toBeGreaterThan(0.01);
    expect(text).toBeGreaterThan(0.01);
    expect(anchored - plain).toBeCloseTo((3 * (image + text)) / 2, 10);
    // One side alone: only its term.
    const imageOnly = { ...params, text: null };
    const imageOnlyPlain = (await contrastiveLoss(imageOnly, batch, jsMatmul)).loss;
    const imageOnlyAnchored = (await contrastiveLoss(imageOnly, batch, jsMatmul, 3)).loss;
    expect(imageOnlyAnchored - imageOnlyPlain).toBeCloseTo((3 * image) / 2, 10);
  });

  it('starts at the identity: zero adapters give the plain CLIP loss', async () => {
    const { batch } = setup(12);
    const zero: AdapterParams = {
      dim: D,
      image: new Float64Array(D * D),
      text: new Float64Array(D * D),
      logScale: 0,
    };
    const plain: AdapterParams = { dim: D, image: null, text: null, logScale: 0 };
    expect((await contrastiveLoss(zero, batch, jsMatmul)).loss).toBeCloseTo(
      (await contrastiveLoss(plain, batch, jsMatmul)).loss,
      12,
    );
  });

  it('gives the same loss and gradients through onnxruntime (float32) as in float64', async () => {
    const { params, batch } = setup(13);
    const exact = await contrastiveLoss(params, batch, jsMatmul);
    const fast = await contrastiveLoss(params, batch, ortMatmul);
    expect(fast.loss).toBeCloseTo(exact.loss, 5);
    (fast.image as Float64Array).forEach((v, i) => {
      expect(v).toBeCloseTo((exact.image as Float64Array)[i] as number, 5);
    });
  });
});
