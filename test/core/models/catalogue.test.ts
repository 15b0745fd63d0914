// The model catalogue: the shipped models/catalogue.json is valid, and bad edits name the field.

import { describe, expect, it } from 'vitest';
import {
  defaultModel,
  defaultVariant,
  describeDownload,
  downloadSize,
  filesFor,
  findModel,
  isSafeRepoPath,
  loadCatalogue,
  parseCatalogue,
  variantsOf,
  type CatalogueEntry,
} from '../../../electron/core/models/catalogue.js';
import { CatalogueError } from '../../../electron/core/models/errors.js';

describe('models/catalogue.json', () => {
  const catalogue = loadCatalogue();

  it('has CLIP B/32 as the one default, with fp32, fp16 and quantized graphs', () => {
    const def = defaultModel(catalogue);
    expect(def).toMatchObject({
      id: 'clip-vit-base-patch32',
      repo: 'Xenova/clip-vit-base-patch32',
      family: 'clip',
    });
    expect(def.revisionConfirmed).toBe(true);
    expect(def.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(variantsOf(def)).toEqual(['fp32', 'fp16', 'quantized']);
    expect(filesFor(def, 'quantized').map((f) => f.path)).toEqual([
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/vision_model_quantized.onnx',
      'onnx/text_model_quantized.onnx',
    ]);
    const size = downloadSize(def, 'quantized');
    expect(size.bytes).toBeGreaterThan(150e6);
    expect(size.exact).toBe(false);
    // Unless a variant is asked for: each encoder's graph at its CPU default, and nothing else.
    expect(defaultVariant(def)).toBe('recommended');
    expect(filesFor(def, 'recommended').map((f) => f.path)).toEqual([
      'config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/vision_model.onnx',
      'onnx/text_model_quantized.onnx',
    ]);
    expect(describeDownload(def, 'recommended')).toBe('image fp32, text quantized');
    expect(describeDownload(def, 'fp16')).toBe('fp16');
  });

  it('offers B/16, L/14, a multilingual model and SigLIP 2, marking what needs SigLIP support', () => {
    const ids = catalogue.models.map((m) => m.id);
    expect(ids).toEqual(
      expect.arrayContaining(['clip-vit-base-patch16', 'clip-vit-large-patch14', 'siglip2-base-patch16-256']),
    );
    expect(catalogue.models.some((m) => m.languages.includes('multilingual'))).toBe(true);
    for (const m of catalogue.models) {
      if (m.family === 'siglip') expect(m.requires).toEqual(['sigmoid-scoring', 'fixed-length-padding']);
      if (!m.revisionConfirmed) expect(m.notes).not.toBe('');
      for (const v of variantsOf(m)) {
        const paths = filesFor(m, v).map((f) => f.path);
        expect(paths.some((p) => p.startsWith('onnx/vision_model'))).toBe(true);
        expect(paths.some((p) => p.startsWith('onnx/text_model'))).toBe(true);
      }
    }
    expect(findModel(catalogue, 'nope')).toBeUndefined();
  });
});

describe('parseCatalogue', () => {
  const entry = (over: Partial<Record<keyof CatalogueEntry, unknown>> = {}): Record<string, unknown> => ({
    id: 'm',
    name: 'M',
    family: 'clip',
    repo: 'o/m',
    revision: 'main',
    revisionConfirmed: false,
    default: true,
    license: 'MIT',
    embedDim: 512,
    imageSize: 224,
    languages: ['en'],
    goodFor: 'x',
    requires: [],
    confirmed: false,
    notes: 'n',
    sources: [],
    files: ['config.json', 'preprocessor_config.json', 'tokenizer.json'].map((path) => ({
      path,
      bytes: null,
      bytesExact: false,
      sha256: null,
    })),
    variants: {
      fp32: [
        { path: 'onnx/vision_model.onnx', bytes: 10, bytesExact: true, sha256: null },
        { path: 'onnx/text_model.onnx', bytes: null, bytesExact: false, sha256: null },
      ],
    },
    ...over,
  });
  const parse = (...models: Record<string, unknown>[]): unknown =>
    parseCatalogue({ version: 1, models }, 'cat.json');

  it('accepts a well-formed entry', () => {
    expect(() => parse(entry())).not.toThrow();
  });

  it.each([
    [{ family: 'blip' }, /model m\.family: must be "clip" or "siglip"/],
    [
      { revisionConfirmed: true },
      /model m\.revision: a confirmed revision must be a full 40-character commit sha/,
    ],
    [{ repo: 'nope' }, /model m\.repo: must be a Hugging Face repo id/],
    [{ requires: ['magic'] }, /model m\.requires: "magic" is not one of/],
    [{ variants: { fp64: [] } }, /model m\.variants: "fp64" is not a precision/],
    [
      {
        variants: {
          fp32: [{ path: 'onnx/vision_model.onnx', bytes: null, bytesExact: false, sha256: null }],
        },
      },
      /model m\.variants\.fp32: has no onnx\/text_model\*\.onnx file/,
    ],
    [
      { files: [{ path: '../config.json', bytes: null, bytesExact: false, sha256: null }] },
      /model m\.files\[0\]\.path: must be a relative path/,
    ],
  ])('names the field at fault: %j', (over, message) => {
    const err = (() => {
      try {
        parse(entry(over));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(CatalogueError);
    expect((err as Error).message).toMatch(/^cat\.json: /);
    expect((err as Error).message).toMatch(message);
  });

  it('wants unique ids and exactly one default', () => {
    expect(() => parse(entry(), entry())).toThrow(/id is used twice/);
    expect(() => parse(entry({ default: false }))).toThrow(
      /exactly one model must be the default \(found 0\)/,
    );
  });

  it('only accepts repo paths that stay inside the model folder', () => {
    expect(isSafeRepoPath('onnx/vision_model.onnx')).toBe(true);
    for (const bad of ['', '/etc/passwd', 'a/../b', 'a\\b', './a', 'a//b'])
      expect(isSafeRepoPath(bad)).toBe(false);
  });
});
