// The image tower's session runs in a worker thread: the same embeddings as a session on the calling
// thread, the caller's thread free while a batch runs, clear errors for a graph that cannot load and
// for calls after release, and no worker left holding the process open.

import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { sessionOptions } from '../../../electron/core/clip/lazy-session.js';
import { OffThreadSession } from '../../../electron/core/clip/off-thread-session.js';
import { Random } from '../../../electron/core/random.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';

const GRAPH = join(TEST_MODEL_DIR, 'onnx', 'vision_model.onnx');

function pixels(n: number, size: number, seed: number): Tensor {
  const rng = new Random(seed);
  return new Tensor(
    'float32',
    Float32Array.from({ length: n * 3 * size * size }, () => rng.normal()),
    [n, 3, size, size],
  );
}

describe('OffThreadSession', () => {
  it('computes what a session on this thread computes', async () => {
    const here = await InferenceSession.create(GRAPH, sessionOptions('cpu', 1));
    const there = await OffThreadSession.create(GRAPH, sessionOptions('cpu', 1));
    expect(there.inputMetadata).toEqual(here.inputMetadata);
    expect(there.outputMetadata).toEqual(here.outputMetadata);
    const feeds = { pixel_values: pixels(4, 64, 1) };
    const a = (await here.run(feeds, ['image_embeds'])).image_embeds;
    const b = (await there.run(feeds, ['image_embeds'])).image_embeds;
    expect(b?.dims).toEqual(a?.dims);
    expect(Array.from(b?.data as Float32Array)).toEqual(Array.from(a?.data as Float32Array));
    await there.release();
    await expect(there.run(feeds, ['image_embeds'])).rejects.toThrow(/released/);
    await here.release();
  });

  it('leaves this thread free while a batch encodes', async () => {
    const there = await OffThreadSession.create(GRAPH, sessionOptions('cpu', 1));
    const feeds = { pixel_values: pixels(64, 64, 2) };
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    await there.run(feeds, ['image_embeds']);
    const ms = performance.now() - started;
    clearInterval(timer);
    await there.release();
    // A run on this thread lets no timer fire until it ends; off-thread, they keep firing.
    expect(ms).toBeGreaterThan(20);
    expect(ticks).toBeGreaterThan(ms / 10);
  });

  it('says why a graph cannot load, as onnxruntime does', async () => {
    await expect(
      OffThreadSession.create(join(TEST_MODEL_DIR, 'config.json'), sessionOptions('cpu', 1)),
    ).rejects.toThrow(/protobuf|parse|load/i);
  });

  it("the image tower uses it: indexing encodes with the model's own embeddings", async () => {
    const model = ClipModel.open(TEST_MODEL_DIR);
    const spec = model.spec.image;
    const input = pixels(2, spec.height, 3);
    const [e1, e2] = await model.vision.encodePixels(input.data as Float32Array, 2);
    const here = await InferenceSession.create(GRAPH, sessionOptions('cpu', 1));
    const raw = (await here.run({ pixel_values: input }, ['image_embeds'])).image_embeds
      ?.data as Float32Array;
    const dim = raw.length / 2;
    const norm = (v: Float32Array): Float32Array => v.map((x) => x / Math.hypot(...v));
    for (const [i, e] of [e1, e2].entries()) {
      const want = norm(raw.slice(i * dim, (i + 1) * dim));
      e?.forEach((x, k) => {
        expect(x).toBeCloseTo(want[k] as number, 5);
      });
    }
    await here.release();
    await model.dispose();
  });
});
