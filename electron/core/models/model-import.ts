// Offline import: copies a model folder from disk (a USB stick, a download made on another machine)
// into the shared model cache under an id. The folder must pass readModelFolder first, so a broken one
// is refused with the validator's own error naming the file; only the files the runtime reads are
// copied, into .incoming, and the result is validated again before one rename puts it in place.

import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readModelFolder } from '../clip/model-folder.js';
import type { Precision } from '../clip/model-spec.js';
import { isValidModelId } from './catalogue.js';
import { DiskFullError, DownloadCancelledError, ModelStoreError } from './errors.js';
import {
  defaultModelRoot,
  isDiskFull,
  lockModel,
  newStagingDir,
  nodeFileLayer,
  placeModel,
  recoverModel,
  removeDir,
  towerVariants,
  writeManifest,
  type FileLayer,
  type ManifestFile,
} from './model-cache.js';

export interface ImportOptions {
  /** The cache root; default <app data>/models. */
  root?: string;
  /** The id to install under; default: derived from the folder's name. */
  id?: string;
  /** Replace a model already installed under the id (otherwise that is an error). */
  replace?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { file: string; bytes: number; total: number }) => void;
  /** Injectable: how file contents are written (tests simulate a full disk). */
  files?: FileLayer;
}

export interface ImportResult {
  id: string;
  dir: string;
  variants: Precision[];
}

/** Configs the runtime reads; the first three are required by readModelFolder. */
const CONFIG_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];

/** A cache id from a folder name: "clip-vit-base-patch32", "My Model!" -> "My-Model". */
export function idFromFolder(dir: string): string {
  return basename(resolve(dir))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-._]+|-+$/g, '')
    .slice(0, 100);
}

export async function importModelFolder(source: string, options: ImportOptions = {}): Promise<ImportResult> {
  const src = resolve(source);
  const spec = readModelFolder(src); // throws ModelFolderError naming the file at fault
  const id = options.id ?? idFromFolder(src);
  if (!isValidModelId(id)) {
    throw new ModelStoreError(`"${id}" is not a valid model id (letters, digits, ".", "-" and "_")`);
  }
  const root = resolve(options.root ?? defaultModelRoot());
  const target = join(root, id);
  if (src === target) throw new ModelStoreError(`${src} is already the cached model "${id}"`);
  recoverModel(root, id);
  if (existsSync(target) && !options.replace) {
    throw new ModelStoreError(
      `a model "${id}" is already installed in ${target}; choose another id or replace it`,
    );
  }

  const wanted = [
    ...CONFIG_FILES.filter((f) => existsSync(join(src, f))),
    ...graphFiles(src, [...Object.values(spec.vision.variants), ...Object.values(spec.textTower.variants)]),
  ];
  const sizes = wanted.map((f) => statSync(join(src, f)).size);
  const total = sizes.reduce((a, b) => a + b, 0);

  const release = lockModel(root, id);
  const staging = newStagingDir(root, id);
  try {
    const layer = options.files ?? nodeFileLayer;
    let bytes = 0;
    const files: Record<string, ManifestFile> = {};
    for (const [i, rel] of wanted.entries()) {
      bytes = await copyFile(join(src, rel), join(staging, rel), rel, layer, root, options, bytes, total);
      files[rel] = { bytes: sizes[i] ?? 0 };
    }
    readModelFolder(staging);
    const variants = towerVariants(staging);
    writeManifest(staging, {
      id,
      source: 'import',
      importedFrom: src,
      variants,
      files,
      updatedAt: new Date().toISOString(),
    });
    placeModel(staging, target);
    return { id, dir: target, variants };
  } catch (err) {
    removeDir(staging); // an import is quick to redo: keep nothing of a failed one
    throw err;
  } finally {
    release();
  }
}

/** The graphs (onnx/<name>.onnx) and their external-data companions (onnx/<name>.onnx_data, ...). */
function graphFiles(src: string, graphs: readonly string[]): string[] {
  const onnxDir = join(src, 'onnx');
  const names = readdirSync(onnxDir);
  const out = new Set<string>();
  for (const graph of graphs) {
    const name = basename(graph);
    for (const n of names)
      if (n === name || n.startsWith(`${name}_data`) || n.startsWith(`${name}.data`)) {
        out.add(`onnx/${n}`);
      }
  }
  return [...out].sort();
}

async function copyFile(
  from: string,
  to: string,
  rel: string,
  layer: FileLayer,
  root: string,
  options: ImportOptions,
  bytesBefore: number,
  total: number,
): Promise<number> {
  let bytes = bytesBefore;
  const sink = await layer.openSink(to, false).catch((err: unknown) => {
    throw isDiskFull(err) ? new DiskFullError(root, rel, { cause: err }) : err;
  });
  try {
    for await (const chunk of createReadStream(from, { highWaterMark: 1 << 20 })) {
      if (options.signal?.aborted) throw new DownloadCancelledError(rel, { cause: options.signal.reason });
      const data = chunk as Buffer;
      try {
        await sink.write(data);
      } catch (err) {
        throw isDiskFull(err) ? new DiskFullError(root, rel, { cause: err }) : err;
      }
      bytes += data.byteLength;
      options.onProgress?.({ file: rel, bytes, total });
    }
  } finally {
    await sink.close().catch(() => undefined);
  }
  return bytes;
}
