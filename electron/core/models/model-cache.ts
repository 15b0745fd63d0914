// The shared model cache on disk: <root>/<id>/ holds one model folder in the Transformers.js layout,
// <root>/.incoming/ holds downloads and imports in progress. A model reaches <root>/<id> only by a
// rename of a complete, validated folder, so a half-written model is never loaded. Also: the per-model
// manifest (where it came from, what it holds), a lock per model id, and the injectable file writer
// the downloader and importer write through (tests use it to simulate a full disk).

import { randomBytes } from 'node:crypto';
import {
  existsSync,
  linkSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { appDataDir } from '../app-paths.js';
import { isRecord } from '../clip/json-fields.js';
import { PRECISION_SUFFIXES, PRECISIONS, type Precision } from '../clip/model-spec.js';
import type { TowerPrecisions } from '../clip/default-precision.js';
import { ModelBusyError } from './errors.js';

export const INCOMING_DIR = '.incoming';
export const MANIFEST_FILE = 'lumen-model.json';

/** The default cache: <app data>/models, shared by the CLI and the app ($LUMEN_HOME moves it). */
export function defaultModelRoot(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  return join(appDataDir(env, platform), 'models');
}

export function incomingDir(root: string): string {
  return join(root, INCOMING_DIR);
}

/** A fresh, unique working folder under <root>/.incoming for one model. */
export function newStagingDir(root: string, id: string): string {
  const dir = join(incomingDir(root), `${id}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

// ---- manifest -------------------------------------------------------------------------------------

export interface ManifestFile {
  bytes: number;
  sha256?: string;
}

/** lumen-model.json inside each cached model folder. */
export interface ModelManifest {
  id: string;
  source: 'hub' | 'import';
  repo?: string;
  revision?: string;
  hubUrl?: string;
  importedFrom?: string;
  variants: Precision[];
  files: Record<string, ManifestFile>;
  updatedAt: string;
}

/** The manifest, or null where it is absent or unreadable (a folder copied in by hand). */
export function readManifest(dir: string): ModelManifest | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (!isRecord(parsed) || typeof parsed.id !== 'string') return null;
  if (parsed.source !== 'hub' && parsed.source !== 'import') return null;
  const variants = Array.isArray(parsed.variants)
    ? parsed.variants.filter((v): v is Precision => (PRECISIONS as readonly unknown[]).includes(v))
    : [];
  const files: Record<string, ManifestFile> = {};
  if (isRecord(parsed.files)) {
    for (const [path, f] of Object.entries(parsed.files)) {
      if (isRecord(f) && typeof f.bytes === 'number') {
        files[path] =
          typeof f.sha256 === 'string' ? { bytes: f.bytes, sha256: f.sha256 } : { bytes: f.bytes };
      }
    }
  }
  const opt = (key: string): Record<string, string> =>
    typeof parsed[key] === 'string' ? { [key]: parsed[key] } : {};
  return {
    id: parsed.id,
    source: parsed.source,
    ...opt('repo'),
    ...opt('revision'),
    ...opt('hubUrl'),
    ...opt('importedFrom'),
    variants,
    files,
    updatedAt: typeof parsed.updatedAt === 'string' ? parsed.updatedAt : '',
  };
}

export function writeManifest(dir: string, manifest: ModelManifest): void {
  writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Writes via a temporary file and a rename, so a reader sees the old or the new content, never half. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

// ---- what a folder holds --------------------------------------------------------------------------

/** The graphs each encoder has in <dir>/onnx, by precision. */
export function graphPrecisions(dir: string): TowerPrecisions {
  let names: Set<string>;
  try {
    names = new Set(readdirSync(join(dir, 'onnx')));
  } catch {
    return { vision: [], text: [] };
  }
  const of = (stem: string): Precision[] =>
    PRECISIONS.filter((p) => names.has(`${stem}${PRECISION_SUFFIXES[p]}.onnx`));
  return { vision: of('vision_model'), text: of('text_model') };
}

/** Precision variants with both towers present in <dir>/onnx. */
export function towerVariants(dir: string): Precision[] {
  const { vision, text } = graphPrecisions(dir);
  return vision.filter((p) => text.includes(p));
}

/** Every regular file under dir, as forward-slash paths relative to it (dot-files skipped). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

// ---- placement ------------------------------------------------------------------------------------

const REPLACED = '.replaced-';

/**
 * Brings the files of an installed model that a staging folder lacks into it (hard links, else copies),
 * so adding a variant keeps the variants already there. The manifest is the caller's to write.
 */
export function linkMissing(installed: string, staging: string): void {
  for (const rel of listFiles(installed)) {
    const to = join(staging, rel);
    if (rel === MANIFEST_FILE || existsSync(to)) continue;
    mkdirSync(dirname(to), { recursive: true });
    try {
      linkSync(join(installed, rel), to);
    } catch {
      copyFileSync(join(installed, rel), to); // file systems without hard links
    }
  }
}

/**
 * Moves a complete, validated staging folder to <root>/<id>: one rename, or where a model is already
 * there, two (old out to .incoming, new in). Between them the id is briefly absent, never half-written;
 * recoverModel() undoes a crash in that window.
 */
export function placeModel(staging: string, target: string): void {
  if (!existsSync(target)) {
    mkdirSync(dirname(target), { recursive: true });
    renameSync(staging, target);
    return;
  }
  const root = dirname(target);
  const old = join(incomingDir(root), `${targetId(target)}${REPLACED}${randomBytes(4).toString('hex')}`);
  mkdirSync(incomingDir(root), { recursive: true });
  renameSync(target, old);
  try {
    renameSync(staging, target);
  } catch (err) {
    renameSync(old, target);
    throw err;
  }
  removeDir(old);
}

function targetId(target: string): string {
  return target.split(sep).pop() ?? 'model';
}

/** Repairs a swap a crash interrupted: the old folder comes back if the new one never arrived. */
export function recoverModel(root: string, id: string): void {
  const inc = incomingDir(root);
  let names: string[];
  try {
    names = readdirSync(inc);
  } catch {
    return;
  }
  const target = join(root, id);
  for (const name of names.filter((n) => n.startsWith(`${id}${REPLACED}`))) {
    const old = join(inc, name);
    if (!existsSync(target)) renameSync(old, target);
    else removeDir(old);
  }
}

// ---- one writer per model id ----------------------------------------------------------------------

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes <root>/.incoming/<id>.lock (holding our pid) so two processes never write one model at once;
 * a lock left by a process that died is taken over. Returns the release function.
 */
export function lockModel(root: string, id: string): () => void {
  const file = join(incomingDir(root), `${id}.lock`);
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new ModelBusyError(id, pid);
      }
      if (pid === process.pid) throw new ModelBusyError(id, pid);
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new ModelBusyError(id, -1);
}

// ---- writing files (injectable) -------------------------------------------------------------------

export interface FileSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** How the downloader and importer write file contents; tests swap in one that fills the disk. */
export interface FileLayer {
  /** Opens a file for writing, truncating it, or appending to it (resuming a download). */
  openSink(path: string, append: boolean): Promise<FileSink>;
}

export const nodeFileLayer: FileLayer = {
  async openSink(path, append) {
    mkdirSync(dirname(path), { recursive: true });
    const handle = await open(path, append ? 'a' : 'w');
    return {
      async write(chunk) {
        let offset = 0;
        while (offset < chunk.byteLength) {
          const { bytesWritten } = await handle.write(chunk, offset, chunk.byteLength - offset);
          offset += bytesWritten;
        }
      },
      close: () => handle.close(),
    };
  },
};

export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
