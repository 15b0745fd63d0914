// The adapter's analytic gradients against central finite differences of the loss, on a small batch
// with hard-negative texts and negative photos, in exact float64 arithmetic.

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
  it('has gradients that match finite differences for both adapters and the temperature', async () => {
    const { params, batch } = setup(11);
    const grad = await contrastiveLoss(params, batch, jsMatmul);
    const h = 1e-6;
    const numeric = async (poke: (delta: number) => void): Promise<number> => {
      poke(h);
      const up = (await contrastiveLoss(params, batch, jsMatmul)).loss;
      poke(-2 * h);
      const down = (await contrastiveLoss(params, batch, jsMatmul)).loss;
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
