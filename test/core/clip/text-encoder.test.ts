// The text tower at a query's real length gives the same embedding as padded to the context length
// (causal mask + end-of-text pooling), so queries run unpadded; batches agree with single queries.

import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { dot } from '../../../electron/core/clip/vectors.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';

const QUERIES = [
  'a photo of a red circle',
  'stars',
  'a small blue star on a dark noisy background',
  'something',
];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('text encoder', () => {
  for (const precision of ['fp32', 'fp16', 'quantized'] as const) {
    it(`${precision}: real length equals padding to the context length`, async () => {
      const model = ClipModel.open(TEST_MODEL_DIR, { precision });
      const ctx = model.spec.text.contextLength;
      for (const q of QUERIES) {
        const real = model.text.tokenizer.batch([q]);
        const padded = model.text.tokenizer.batch([q], ctx);
        expect(real.length).toBeLessThan(ctx);
        expect(padded.length).toBe(ctx);
        const [a] = await model.text.encodeTokens(real);
        const [b] = await model.text.encodeTokens(padded);
        if (precision === 'quantized') {
          // Dynamic quantisation takes each activation's scale from the whole tensor, padding rows
          // included, so padding perturbs the result a little: one more reason to run unpadded.
          expect(dot(a as Float32Array, b as Float32Array), q).toBeGreaterThan(0.995);
        } else {
          expect(maxAbsDiff(a as Float32Array, b as Float32Array), q).toBeLessThan(
            precision === 'fp32' ? 1e-5 : 2e-3,
          );
        }
      }
      await model.dispose();
    });
  }

  it('a padded batch gives each text the embedding it gets alone', async () => {
    const model = ClipModel.open(TEST_MODEL_DIR);
    const batch = await model.encodeTexts(QUERIES);
    for (const [i, q] of QUERIES.entries()) {
      expect(maxAbsDiff(batch[i] as Float32Array, await model.encodeText(q)), q).toBeLessThan(1e-5);
    }
    await model.dispose();
  });

  it('returns unit vectors of the model dimension', async () => {
    const model = ClipModel.open(TEST_MODEL_DIR);
    for (const e of await model.encodeTexts(QUERIES)) {
      expect(e.length).toBe(model.embedDim);
      expect(Math.hypot(...e)).toBeCloseTo(1, 5);
    }
    await model.dispose();
  });
});
