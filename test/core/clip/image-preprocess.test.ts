// Preprocessing checked against an independent reference: the same images run through Hugging Face's
// CLIPImageProcessor steps in PIL/numpy (scripts/fixtures/make_preprocess_reference.py). Pixel
// differences are reported per image, and the test model's embeddings of both tensors must agree.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { preprocessToRgb, resizedSize, rgbToTensor } from '../../../electron/core/clip/image-preprocess.js';
import { dot } from '../../../electron/core/clip/vectors.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import {
  expectNearPil,
  PIL_CASES as cases,
  PIL_CONFIGS as configs,
  pilCasePath,
  pilReference as reference,
  PREPROCESS_ROOT as ROOT,
  specFor,
} from '../../support/pil-reference.js';

describe('preprocessing against the PIL reference', () => {
  it('follows transformers for the output size (shortest edge, truncated long side)', () => {
    const spec = specFor('clip-vit-224');
    expect(resizedSize(spec, 640, 480)).toEqual({ width: 298, height: 224 });
    expect(resizedSize(spec, 517, 333)).toEqual({ width: 347, height: 224 });
    expect(resizedSize(spec, 333, 517)).toEqual({ width: 224, height: 347 });
  });

  for (const config of configs) {
    it(`${config}: every image within tolerance of the reference`, async () => {
      process.stdout.write(`\n${await expectNearPil(config, (path, spec) => preprocessToRgb(path, spec))}`);
    });
  }

  it('the test model uses the shapes-64 config', () => {
    const model = JSON.parse(
      readFileSync(join(TEST_MODEL_DIR, 'preprocessor_config.json'), 'utf8'),
    ) as unknown;
    expect(model).toEqual(JSON.parse(readFileSync(join(ROOT, 'configs', 'shapes-64.json'), 'utf8')));
  });

  it('embeddings of our tensors and the reference tensors agree to better than 0.01 in cosine', async () => {
    const model = ClipModel.open(TEST_MODEL_DIR, { precision: 'fp32' });
    const spec = model.spec.image;
    const per = 3 * spec.height * spec.width;
    const ours = new Float32Array(cases.length * per);
    const refs = new Float32Array(cases.length * per);
    for (const [i, c] of cases.entries()) {
      rgbToTensor(await preprocessToRgb(pilCasePath(c), spec), spec, ours, i * per);
      rgbToTensor(await reference('shapes-64', c.name), spec, refs, i * per);
    }
    const a = await model.vision.encodePixels(ours, cases.length);
    const b = await model.vision.encodePixels(refs, cases.length);
    const cosines = cases.map((c, i) => ({
      name: c.name,
      cos: dot(a[i] as Float32Array, b[i] as Float32Array),
    }));
    process.stdout.write(
      `embedding cosine ours vs PIL: ${cosines.map((c) => `${c.name} ${c.cos.toFixed(5)}`).join(', ')}\n`,
    );
    for (const c of cosines) expect(c.cos, c.name).toBeGreaterThan(0.99);
    await model.dispose();
  });
});
