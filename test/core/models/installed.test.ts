// Listing the cache and choosing the model to load: settings, the catalogue default, quantised on CPU.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue, type Catalogue } from '../../../electron/core/models/catalogue.js';
import { ModelStoreError } from '../../../electron/core/models/errors.js';
import {
  configuredModel,
  listModels,
  readModelSettings,
  resolveModel,
  writeModelSettings,
} from '../../../electron/core/models/installed.js';
import { importModelFolder } from '../../../electron/core/models/model-import.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';

let catalogue: Catalogue;
let root: string;

beforeAll(async () => {
  catalogue = loadCatalogue();
  root = tempDir('lumen-installed-');
  // The test model stands in for the default catalogue model, and once more as an imported extra.
  await importModelFolder(TEST_MODEL_DIR, { root, id: 'clip-vit-base-patch32' });
  await importModelFolder(TEST_MODEL_DIR, { root, id: 'my-model' });
});

describe('listModels', () => {
  it('lists catalogue models with what is on disk, then imported ones', () => {
    const list = listModels({ root, catalogue });
    expect(list.map((m) => m.id)).toEqual([...catalogue.models.map((m) => m.id), 'my-model']);
    const def = list[0];
    expect(def).toMatchObject({
      id: 'clip-vit-base-patch32',
      installed: true,
      isDefault: true,
      source: 'import',
      installedVariants: ['fp32', 'fp16', 'quantized'],
      offeredVariants: ['fp32', 'fp16', 'quantized'],
      dir: join(root, 'clip-vit-base-patch32'),
    });
    expect(list.find((m) => m.id === 'clip-vit-large-patch14')).toMatchObject({
      installed: false,
      dir: null,
      installedVariants: [],
    });
    expect(list.at(-1)).toMatchObject({ id: 'my-model', entry: null, installed: true, offeredVariants: [] });
  });

  it('lists an empty or missing cache as nothing installed', () => {
    const list = listModels({ root: join(tempDir(), 'none'), catalogue });
    expect(list.every((m) => !m.installed)).toBe(true);
  });
});

describe('model settings', () => {
  it('round-trips the choice and keeps other settings', () => {
    const file = join(tempDir(), 'settings.json');
    expect(readModelSettings(file)).toEqual({});
    writeFileSync(file, JSON.stringify({ theme: 'dark' }));
    writeModelSettings({ model: 'my-model', variant: 'fp16' }, file);
    expect(readModelSettings(file)).toEqual({ model: 'my-model', variant: 'fp16' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      theme: 'dark',
      model: 'my-model',
      variant: 'fp16',
    });
    writeModelSettings({ model: 'my-model' }, file);
    expect(readModelSettings(file)).toEqual({ model: 'my-model' });
    writeFileSync(file, JSON.stringify({ variant: 'fp64' }));
    expect(() => readModelSettings(file)).toThrow(/"variant" must be one of/);
    writeFileSync(file, '{oops');
    expect(() => readModelSettings(file)).toThrow(/settings\.json: is not valid JSON/);
  });
});

describe('resolveModel', () => {
  const settingsFile = (): string => join(tempDir(), 'settings.json');

  it('takes the catalogue default, each encoder at its default: image fp32 and text quantized on CPU', () => {
    const file = settingsFile();
    const resolved = resolveModel({ root, catalogue, settingsFile: file });
    expect(resolved).toMatchObject({
      id: 'clip-vit-base-patch32',
      dir: join(root, 'clip-vit-base-patch32'),
      precision: { vision: 'fp32', text: 'quantized' },
      modelFrom: 'default',
      variantFrom: 'default',
    });
    expect(resolved.variant).toBeUndefined();
    expect(resolveModel({ root, catalogue, settingsFile: file, onCpu: false }).precision).toEqual({
      vision: 'fp32',
      text: 'fp32',
    });
    // What a library opens: the folder alone, so the model runs at the same defaults as --model DIR.
    expect(configuredModel(undefined, { root, catalogue, settingsFile: file })).toEqual({
      dir: join(root, 'clip-vit-base-patch32'),
    });
  });

  it('follows the settings file, and explicit options over it', () => {
    const file = settingsFile();
    writeModelSettings({ model: 'my-model', variant: 'fp16' }, file);
    expect(resolveModel({ root, catalogue, settingsFile: file })).toMatchObject({
      id: 'my-model',
      variant: 'fp16',
      entry: null,
      modelFrom: 'settings',
      variantFrom: 'settings',
    });
    // Another model chosen explicitly does not inherit the saved model's variant.
    expect(
      resolveModel({ root, catalogue, settingsFile: file, model: 'clip-vit-base-patch32' }),
    ).toMatchObject({
      precision: { vision: 'fp32', text: 'quantized' },
      modelFrom: 'option',
      variantFrom: 'default',
    });
    expect(resolveModel({ root, catalogue, settingsFile: file, variant: 'fp32' }).variant).toBe('fp32');
  });

  it('says what is missing when the model or variant is not installed', () => {
    const file = settingsFile();
    expect(() =>
      resolveModel({ root, catalogue, settingsFile: file, model: 'clip-vit-large-patch14' }),
    ).toThrow(/model "clip-vit-large-patch14" is not installed in .*download it/);
    expect(() => resolveModel({ root: join(tempDir(), 'empty'), catalogue, settingsFile: file })).toThrow(
      ModelStoreError,
    );
    expect(() => resolveModel({ root, catalogue, settingsFile: file, variant: 'q4' })).toThrow(
      /has no q4 variant installed \(installed: fp32, fp16, quantized\)/,
    );
  });
});
