// Preprocessing checked against an independent reference: the same images run through Hugging Face's
// CLIPImageProcessor steps in PIL/numpy (scripts/fixtures/make_preprocess_reference.py). Pixel
// differences are reported per image, and the test model's embeddings of both tensors must agree.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { preprocessToRgb, resizedSize, rgbToTensor } from '../../../electron/core/clip/image-preprocess.js';
import { JsonFields } from '../../../electron/core/clip/json-fields.js';
import { readImageSpec } from '../../../electron/core/clip/model-folder.js';
import { dot } from '../../../electron/core/clip/vectors.js';
import { FIXTURES, TEST_MODEL_DIR } from '../../support/paths.js';

const ROOT = join(FIXTURES, 'preprocess');
const { configs, cases } = JSON.parse(readFileSync(join(ROOT, 'cases.json'), 'utf8')) as {
  configs: string[];
  cases: { name: string; file: string; note: string }[];
};

const specFor = (config: string) =>
  readImageSpec(JsonFields.read(join(ROOT, 'configs', `${config}.json`)), 'clip');

async function reference(config: string, name: string): Promise<Buffer> {
  return sharp(join(ROOT, 'expected', config, `${name.replace(/\.[^.]+$/, '')}.png`))
    .removeAlpha()
    .raw()
    .toBuffer();
}

function stats(a: Uint8Array, b: Uint8Array): { mean: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

describe('preprocessing against the PIL reference', () => {
  it('follows transformers for the output size (shortest edge, truncated long side)', () => {
    const spec = specFor('clip-vit-224');
    expect(resizedSize(spec, 640, 480)).toEqual({ width: 298, height: 224 });
    expect(resizedSize(spec, 517, 333)).toEqual({ width: 347, height: 224 });
    expect(resizedSize(spec, 333, 517)).toEqual({ width: 224, height: 347 });
  });

  for (const config of configs) {
    it(`${config}: every image within tolerance of the reference`, async () => {
      const spec = specFor(config);
      const rows: string[] = [];
      let total = 0;
      let n = 0;
      for (const c of cases) {
        const ours = await preprocessToRgb(join(ROOT, c.file), spec);
        const ref = await reference(config, c.name);
        expect(ours.length).toBe(ref.length);
        const s = stats(ours, ref);
        // In tensor units (what the model sees) the difference is this divided by 255 and by std (~0.27).
        rows.push(
          `${c.name.padEnd(18)} mean ${s.mean.toFixed(3).padStart(7)}  max ${String(s.max).padStart(3)}  (${c.note})`,
        );
        total += s.mean;
        n++;
        expect(s.mean, c.name).toBeLessThan(1);
        expect(s.max, c.name).toBeLessThanOrEqual(12);
      }
      process.stdout.write(
        `\n${config}: |ours - PIL| in 0-255 units, mean over images ${(total / n).toFixed(3)}\n  ${rows.join('\n  ')}\n`,
      );
      expect(total / n).toBeLessThan(0.3);
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
      rgbToTensor(await preprocessToRgb(join(ROOT, c.file), spec), spec, ours, i * per);
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
