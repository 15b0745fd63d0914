// Reading model folders: values come from the files, and every broken folder names the file at fault.

import { copyFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { ModelFolderError } from '../../../electron/core/clip/errors.js';
import { readModelFolder } from '../../../electron/core/clip/model-folder.js';
import { dot } from '../../../electron/core/clip/vectors.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempCopy } from '../../support/temp.js';

function brokenModel(damage: (dir: string) => void): string {
  const dir = tempCopy(TEST_MODEL_DIR);
  damage(dir);
  return dir;
}

function expectFolderError(fn: () => unknown, file: string, detail: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelFolderError);
    expect((err as ModelFolderError).file.endsWith(file), (err as Error).message).toBe(true);
    expect((err as Error).message).toMatch(detail);
    return;
  }
  throw new Error('expected a ModelFolderError');
}

async function expectLoadError(dir: string, file: string, detail: RegExp, precision?: 'fp32'): Promise<void> {
  const model = ClipModel.open(dir, precision ? { precision } : {});
  const err = await model.load().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelFolderError);
  expect((err as ModelFolderError).file.endsWith(file), String(err)).toBe(true);
  expect((err as Error).message).toMatch(detail);
}

describe('readModelFolder', () => {
  it('reads sizes, normalisation, context length, special tokens and logit scale from the files', () => {
    const spec = readModelFolder(TEST_MODEL_DIR);
    expect(spec.family).toBe('clip');
    expect(spec.image).toMatchObject({
      height: 64,
      width: 64,
      kernel: 'cubic',
      crop: { height: 64, width: 64 },
      resize: { shortestEdge: 64 },
    });
    expect(spec.image.mean?.[0]).toBeCloseTo(0.48145466, 8);
    expect(spec.text.contextLength).toBe(32);
    expect(spec.text.eosId).toBe(spec.text.padId);
    expect(spec.scoring.kind).toBe('softmax');
    expect(spec.scoring.source).toBe('config.logit_scale');
    expect(spec.scoring.logitScale).toBeGreaterThan(1);
    expect(Object.keys(spec.vision.variants).sort()).toEqual(['fp16', 'fp32', 'quantized']);
  });

  it('names a missing folder', () => {
    expectFolderError(
      () => readModelFolder('/nonexistent/model'),
      '/nonexistent/model',
      /not a model folder/,
    );
  });

  for (const file of ['config.json', 'preprocessor_config.json', 'tokenizer.json']) {
    it(`names a missing ${file}`, () => {
      const dir = brokenModel((d) => {
        rmSync(join(d, file));
      });
      expectFolderError(() => readModelFolder(dir), file, /missing/);
    });
  }

  it('names a missing vision graph', () => {
    const dir = brokenModel((d) => {
      for (const v of ['', '_fp16', '_quantized']) rmSync(join(d, 'onnx', `vision_model${v}.onnx`));
    });
    expectFolderError(() => readModelFolder(dir), 'onnx/vision_model.onnx', /missing/);
  });

  it('names a malformed JSON file', () => {
    const dir = brokenModel((d) => {
      writeFileSync(join(d, 'preprocessor_config.json'), '{"size": ');
    });
    expectFolderError(() => readModelFolder(dir), 'preprocessor_config.json', /not valid JSON/);
  });

  it('names a config value of the wrong type', () => {
    const dir = brokenModel((d) => {
      writeFileSync(join(d, 'preprocessor_config.json'), JSON.stringify({ size: 'big', crop_size: 64 }));
    });
    expectFolderError(() => readModelFolder(dir), 'preprocessor_config.json', /"size"/);
  });

  it('names an unsupported model type', () => {
    const dir = brokenModel((d) => {
      writeFileSync(join(d, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    });
    expectFolderError(() => readModelFolder(dir), 'config.json', /model_type "bert" is not supported/);
  });

  it('names a precision the folder does not have', () => {
    expectFolderError(
      () => ClipModel.open(TEST_MODEL_DIR, { precision: 'q4' }),
      'onnx/vision_model',
      /no q4 variant \(present: fp32, fp16, quantized\)/,
    );
  });
});

describe('SigLIP-style folders', () => {
  // The test model's graphs under a SigLIP config: exact resize without crop, fixed-length padding,
  // sigmoid scores with a learnt bias. The catalogue will bring real SigLIP models.
  const dir = brokenModel((d) => {
    const config = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8')) as Record<string, unknown>;
    delete config.projection_dim;
    writeFileSync(
      join(d, 'config.json'),
      JSON.stringify({
        ...config,
        model_type: 'siglip',
        logit_scale: Math.log(117.33),
        logit_bias: -12.93,
        text_config: { ...(config.text_config as object), hidden_size: 64 },
      }),
    );
    writeFileSync(
      join(d, 'preprocessor_config.json'),
      JSON.stringify({
        do_resize: true,
        size: { height: 64, width: 64 },
        resample: 2,
        do_normalize: true,
        image_mean: [0.5, 0.5, 0.5],
        image_std: [0.5, 0.5, 0.5],
      }),
    );
  });

  it('reads sigmoid scoring, exact resize and max-length padding', () => {
    const spec = readModelFolder(dir);
    expect(spec.family).toBe('siglip');
    expect(spec.embedDim).toBe(64);
    expect(spec.scoring).toEqual({
      kind: 'sigmoid',
      logitScale: expect.closeTo(117.33, 2) as number,
      logitBias: -12.93,
      source: 'config.logit_scale',
    });
    expect(spec.image).toMatchObject({
      resize: { height: 64, width: 64 },
      crop: null,
      kernel: 'linear',
      height: 64,
      width: 64,
    });
    expect(spec.text.padding).toBe('max_length');
  });

  it('pads every query to the context length and scores with independent sigmoids', async () => {
    const model = ClipModel.open(dir);
    const batch = model.text.tokenizer.batch(['a red circle']);
    expect(batch.length).toBe(model.spec.text.contextLength);
    const [image] = await model.encodeImages([
      await sharp({ create: { width: 80, height: 64, channels: 3, background: '#d22' } })
        .png()
        .toBuffer(),
    ]);
    const texts = await model.encodeTexts(['a photo of a red circle', 'a photo of a blue star']);
    const probs = model.classify(image as Float32Array, texts);
    // Each text on its own: sigmoid(scale * cosine + bias), not a softmax across texts.
    texts.forEach((t, i) => {
      const logit = model.spec.scoring.logitScale * dot(image as Float32Array, t) - 12.93;
      expect(probs[i]).toBeCloseTo(1 / (1 + Math.exp(-logit)), 10);
    });
    await model.dispose();
  });
});

describe('loading graphs', () => {
  it('names a corrupt ONNX file', async () => {
    const dir = brokenModel((d) => {
      writeFileSync(join(d, 'onnx', 'vision_model.onnx'), Buffer.from('this is not a protobuf model'));
    });
    await expectLoadError(dir, 'onnx/vision_model.onnx', /not a valid ONNX model/, 'fp32');
  });

  it('names a truncated ONNX file', async () => {
    const dir = brokenModel((d) => {
      const f = join(d, 'onnx', 'text_model.onnx');
      const { size } = statSync(f);
      truncateSync(f, Math.floor(size / 2));
    });
    await expectLoadError(dir, 'onnx/text_model.onnx', /not a valid ONNX model/, 'fp32');
  });

  it('names a graph with an unsupported input/output signature', async () => {
    // A text graph where the vision graph should be: input_ids instead of pixel_values.
    const dir = brokenModel((d) => {
      copyFileSync(join(d, 'onnx', 'text_model.onnx'), join(d, 'onnx', 'vision_model.onnx'));
    });
    await expectLoadError(
      dir,
      'onnx/vision_model.onnx',
      /unsupported signature: expected one input pixel_values/,
      'fp32',
    );
  });
});
