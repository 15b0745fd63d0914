// The test model through the TypeScript runtime, on photos freshly drawn by the TypeScript generator
// (a different renderer and seed from training): zero-shot colour, shape and held-out pair accuracy,
// for every precision; batching invariance; image embeddings are unit vectors.

import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import type { Precision } from '../../../electron/core/clip/model-spec.js';
import { dot } from '../../../electron/core/clip/vectors.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { generatePhotoFolder, type GeneratedPhoto } from '../../../scripts/shapes/photo-folder.js';
import {
  COLOURS,
  SHAPES,
  isHeldOut,
  vocabulary,
  zeroShotPrompt,
} from '../../../scripts/shapes/vocabulary.js';
import { tempDir } from '../../support/temp.js';

const PAIRS = COLOURS.flatMap((c) => SHAPES.map((s) => [c, s] as const));

interface Accuracy {
  colour: number;
  shape: number;
  seenPair: number;
  heldOutPair: number;
  n: number;
}

/**
 * Colour and shape top-1 over the photos drawn uniformly from all 48 pairs (`uniform`), as the issue
 * measures them; pair top-1 over every photo, held-out pairs apart. The extra held-out photos only
 * make that last figure steadier: counted in colour and shape they would weigh the six held-out
 * pairs at a third of the photos instead of an eighth.
 */
async function zeroShot(
  precision: Precision,
  photos: readonly GeneratedPhoto[],
  uniform: ReadonlySet<GeneratedPhoto>,
): Promise<Accuracy> {
  const model = ClipModel.open(TEST_MODEL_DIR, { precision });
  const prompts = await model.encodeTexts(PAIRS.map(([c, s]) => zeroShotPrompt(c, s)));
  const images = await model.encodeImages(photos.map((p) => p.path));
  let colour = 0;
  let shape = 0;
  const pair = { seen: [0, 0], held: [0, 0] };
  photos.forEach((p, i) => {
    const scores = prompts.map((t) => dot(images[i] as Float32Array, t));
    const [c, s] = PAIRS[scores.indexOf(Math.max(...scores))] as readonly [string, string];
    if (uniform.has(p)) {
      colour += Number(c === p.colour);
      shape += Number(s === p.shape);
    }
    const bucket = isHeldOut(p.colour, p.shape) ? pair.held : pair.seen;
    bucket[0] = (bucket[0] as number) + Number(c === p.colour && s === p.shape);
    bucket[1] = (bucket[1] as number) + 1;
  });
  await model.dispose();
  const rate = ([hit, n]: number[]) => (hit as number) / Math.max(n as number, 1);
  return {
    colour: colour / uniform.size,
    shape: shape / uniform.size,
    seenPair: rate(pair.seen),
    heldOutPair: rate(pair.held),
    n: photos.length,
  };
}

describe('zero-shot on freshly generated photos', () => {
  const dir = tempDir();
  let photos: GeneratedPhoto[] = [];
  let uniform = new Set<GeneratedPhoto>();
  const results: Partial<Record<Precision, Accuracy>> = {};

  it('generates photos of every pair, held-out pairs oversampled', async () => {
    const seen = await generatePhotoFolder(`${dir}/all`, { count: 240, seed: 20261127, orientations: true });
    const held = await generatePhotoFolder(`${dir}/held`, {
      count: 120,
      seed: 4242,
      pairs: vocabulary.heldOutPairs,
      orientations: true,
    });
    photos = [...seen, ...held];
    uniform = new Set(seen);
    expect(new Set(photos.map((p) => `${p.colour} ${p.shape}`)).size).toBeGreaterThan(44);
    expect(photos.filter((p) => isHeldOut(p.colour, p.shape)).length).toBeGreaterThanOrEqual(120);
  }, 600_000);

  // Colour and shape over the 240 photos drawn uniformly from all 48 pairs; held-out pairs over all
  // their photos (the extra 120 included).
  it('fp32 reaches colour >= 95%, shape >= 95%, held-out pairs >= 80% (of 48)', async () => {
    const acc = await zeroShot('fp32', photos, uniform);
    results.fp32 = acc;
    process.stdout.write(`zero-shot fp32: ${JSON.stringify(acc)}\n`);
    expect(acc.colour).toBeGreaterThanOrEqual(0.95);
    expect(acc.shape).toBeGreaterThanOrEqual(0.95);
    expect(acc.heldOutPair).toBeGreaterThanOrEqual(0.8);
  });

  for (const precision of ['fp16', 'quantized'] as const) {
    it(`${precision} stays within 3 points of fp32`, async () => {
      const acc = await zeroShot(precision, photos, uniform);
      process.stdout.write(`zero-shot ${precision}: ${JSON.stringify(acc)}\n`);
      const base = results.fp32;
      if (!base) throw new Error('fp32 result missing');
      expect(acc.colour).toBeGreaterThanOrEqual(base.colour - 0.03);
      expect(acc.shape).toBeGreaterThanOrEqual(base.shape - 0.03);
      expect(acc.heldOutPair).toBeGreaterThanOrEqual(base.heldOutPair - 0.03);
    });
  }
});

describe('image encoding', () => {
  it('gives each photo the same embedding whatever the batch size, as unit vectors', async () => {
    const photos = await generatePhotoFolder(tempDir(), { count: 11, seed: 5 });
    const paths = photos.map((p) => p.path);
    const one = ClipModel.open(TEST_MODEL_DIR, { imageBatchSize: 1 });
    const four = ClipModel.open(TEST_MODEL_DIR, { imageBatchSize: 4 });
    const a = await one.encodeImages(paths);
    const b = await four.encodeImages(paths);
    for (let i = 0; i < paths.length; i++) {
      expect(Math.hypot(...(a[i] as Float32Array))).toBeCloseTo(1, 5);
      expect(dot(a[i] as Float32Array, b[i] as Float32Array)).toBeGreaterThan(0.99999);
    }
    await Promise.all([one.dispose(), four.dispose()]);
  });

  it('reports a failed photo and still encodes the rest, with progress', async () => {
    const photos = await generatePhotoFolder(tempDir(), { count: 5, seed: 6 });
    const model = ClipModel.open(TEST_MODEL_DIR, { imageBatchSize: 2 });
    const progress: number[] = [];
    const inputs = [
      photos[0]?.path ?? '',
      Buffer.from('not an image'),
      ...photos.slice(1).map((p) => p.path),
    ];
    const results = await model.encodeImagesSettled(inputs, { onProgress: (done) => progress.push(done) });
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, true, true]);
    expect(results[1]).toEqual({ ok: false, error: 'not a supported image format' });
    expect(progress).toEqual([2, 4, 6]);
    await model.dispose();
  });

  it('can be cancelled between batches', async () => {
    const photos = await generatePhotoFolder(tempDir(), { count: 6, seed: 8 });
    const model = ClipModel.open(TEST_MODEL_DIR, { imageBatchSize: 2 });
    const controller = new AbortController();
    const run = model.encodeImages(
      photos.map((p) => p.path),
      {
        signal: controller.signal,
        onProgress: (done) => {
          if (done === 2) controller.abort();
        },
      },
    );
    await expect(run).rejects.toThrow(/abort/i);
    await model.dispose();
  });
});
