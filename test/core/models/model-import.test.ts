// Importing a model folder from disk into the cache: validated first, copied atomically.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFolderError } from '../../../electron/core/clip/errors.js';
import { readModelFolder } from '../../../electron/core/clip/model-folder.js';
import { DiskFullError, ModelStoreError } from '../../../electron/core/models/errors.js';
import { readManifest, type FileLayer } from '../../../electron/core/models/model-cache.js';
import { idFromFolder, importModelFolder } from '../../../electron/core/models/model-import.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempCopy, tempDir } from '../../support/temp.js';

describe('importModelFolder', () => {
  it('copies a valid folder into the cache under its name, with only the files the runtime reads', async () => {
    const root = tempDir('lumen-import-');
    const result = await importModelFolder(TEST_MODEL_DIR, { root });
    expect(result).toEqual({
      id: 'shapes-clip',
      dir: join(root, 'shapes-clip'),
      variants: ['fp32', 'fp16', 'quantized'],
    });
    const spec = readModelFolder(result.dir);
    expect(spec.embedDim).toBe(64);
    for (const f of ['config.json', 'tokenizer.json', 'onnx/vision_model_fp16.onnx']) {
      expect(readFileSync(join(result.dir, f)).equals(readFileSync(join(TEST_MODEL_DIR, f)))).toBe(true);
    }
    expect(existsSync(join(result.dir, 'training.json'))).toBe(false);
    expect(readManifest(result.dir)).toMatchObject({
      id: 'shapes-clip',
      source: 'import',
      importedFrom: TEST_MODEL_DIR,
    });
    expect(readdirSync(join(root, '.incoming'))).toEqual([]);
  });

  it('refuses a broken folder with the validator’s error and keeps nothing', async () => {
    const broken = tempCopy(TEST_MODEL_DIR);
    rmSync(join(broken, 'tokenizer.json'));
    const root = tempDir('lumen-import-');
    const err = await importModelFolder(broken, { root, id: 'broken' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFolderError);
    expect((err as ModelFolderError).file).toBe(join(broken, 'tokenizer.json'));
    expect((err as Error).message).toMatch(/tokenizer\.json: missing/);
    expect(existsSync(join(root, 'broken'))).toBe(false);

    const noGraphs = tempCopy(TEST_MODEL_DIR);
    rmSync(join(noGraphs, 'onnx'), { recursive: true });
    await expect(importModelFolder(noGraphs, { root, id: 'x' })).rejects.toThrow(
      /vision_model\.onnx: missing/,
    );
  });

  it('will not overwrite an installed model unless asked to', async () => {
    const root = tempDir('lumen-import-');
    await importModelFolder(TEST_MODEL_DIR, { root, id: 'mine' });
    await expect(importModelFolder(TEST_MODEL_DIR, { root, id: 'mine' })).rejects.toThrow(ModelStoreError);
    const again = await importModelFolder(TEST_MODEL_DIR, { root, id: 'mine', replace: true });
    readModelFolder(again.dir);
    expect(readdirSync(join(root, '.incoming'))).toEqual([]);
    await expect(importModelFolder(TEST_MODEL_DIR, { root, id: '../evil' })).rejects.toThrow(
      /not a valid model id/,
    );
  });

  it('reports a full disk and removes the partial copy', async () => {
    const root = tempDir('lumen-import-');
    const layer: FileLayer = {
      openSink: () =>
        Promise.resolve({
          write: () =>
            Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })),
          close: () => Promise.resolve(),
        }),
    };
    await expect(importModelFolder(TEST_MODEL_DIR, { root, files: layer })).rejects.toBeInstanceOf(
      DiskFullError,
    );
    expect(existsSync(join(root, 'shapes-clip'))).toBe(false);
    expect(readdirSync(join(root, '.incoming'))).toEqual([]);
  });

  it('derives ids from folder names', () => {
    expect(idFromFolder('/x/clip-vit-base-patch32')).toBe('clip-vit-base-patch32');
    expect(idFromFolder('/x/My Model!')).toBe('My-Model');
  });
});
