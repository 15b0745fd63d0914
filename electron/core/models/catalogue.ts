// The model catalogue: models/catalogue.json, the list of CLIP-family models Lumen can download, with
// each one's Hub repo, pinned revision, files per precision variant, sizes and published checksums.
// Read and checked field by field here, so a bad edit of the JSON fails loudly and names the field.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPrecision, describePrecision, type EncoderPrecision } from '../clip/default-precision.js';
import { isRecord } from '../clip/json-fields.js';
import { PRECISIONS, type ModelFamily, type Precision } from '../clip/model-spec.js';
import { PACKAGE_ROOT } from '../package-root.js';
import { CatalogueError } from './errors.js';

/** Runtime features a model needs beyond plain CLIP (softmax scoring, batch-longest padding). */
export const REQUIREMENTS = ['sigmoid-scoring', 'fixed-length-padding'] as const;
export type Requirement = (typeof REQUIREMENTS)[number];

export interface CatalogueFile {
  /** Path in the repo, with forward slashes: config.json, onnx/vision_model_quantized.onnx. */
  path: string;
  /** Size in bytes: exact, rounded from the Hub's listing (bytesExact false), or unknown (null). */
  bytes: number | null;
  bytesExact: boolean;
  /** The Git LFS oid the Hub publishes, lower-case hex; null where it was not looked up. */
  sha256: string | null;
}

export interface CatalogueEntry {
  id: string;
  name: string;
  family: ModelFamily;
  /** Hugging Face repo id, owner/name. */
  repo: string;
  /** A commit sha, or a branch where no commit could be confirmed (revisionConfirmed false). */
  revision: string;
  revisionConfirmed: boolean;
  default: boolean;
  license: string;
  embedDim: number;
  imageSize: number;
  languages: string[];
  goodFor: string;
  requires: Requirement[];
  /** False where the repo, files or fitness for Lumen's runtime could not be confirmed. */
  confirmed: boolean;
  notes: string;
  sources: string[];
  /** Files every variant needs (configs, tokenizer). */
  files: CatalogueFile[];
  /** The ONNX graphs of each precision variant offered. */
  variants: Partial<Record<Precision, CatalogueFile[]>>;
}

export interface Catalogue {
  version: 1;
  models: CatalogueEntry[];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** A model id as used for a cache folder name: letters, digits, dot, dash, underscore. */
export function isValidModelId(id: string): boolean {
  return ID.test(id) && id !== '.' && id !== '..';
}

/**
 * Where the catalogue sits: $LUMEN_CATALOGUE (a catalogue of your own, e.g. for a mirror), else
 * models/catalogue.json at the package root, from source or from dist/.
 */
export function defaultCatalogueFile(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LUMEN_CATALOGUE) return env.LUMEN_CATALOGUE;
  const candidate = join(PACKAGE_ROOT, 'models', 'catalogue.json');
  if (existsSync(candidate)) return candidate;
  throw new CatalogueError('models/catalogue.json', 'not found above the Lumen installation');
}

export function loadCatalogue(file: string = defaultCatalogueFile()): Catalogue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CatalogueError(file, `cannot be read as JSON (${(err as Error).message})`);
  }
  return parseCatalogue(parsed, file);
}

/** Checks a parsed catalogue; every problem names its model and field. */
export function parseCatalogue(json: unknown, source = 'catalogue'): Catalogue {
  const fail = (where: string, detail: string): never => {
    throw new CatalogueError(source, `${where}: ${detail}`);
  };
  if (!isRecord(json)) return fail('top level', 'must be an object');
  if (json.version !== 1) fail('version', 'must be 1');
  if (!Array.isArray(json.models) || json.models.length === 0) fail('models', 'must be a non-empty array');
  const models = (json.models as unknown[]).map((m, i) => parseEntry(m, `models[${i}]`, fail));
  const seen = new Set<string>();
  for (const m of models) {
    if (seen.has(m.id)) fail(`model ${m.id}`, 'id is used twice');
    seen.add(m.id);
  }
  const defaults = models.filter((m) => m.default);
  if (defaults.length !== 1)
    fail('models', `exactly one model must be the default (found ${defaults.length})`);
  return { version: 1, models };
}

type Fail = (where: string, detail: string) => never;

function parseEntry(value: unknown, at: string, fail: Fail): CatalogueEntry {
  if (!isRecord(value)) return fail(at, 'must be an object');
  const where = typeof value.id === 'string' ? `model ${value.id}` : at;
  const str = (key: string): string => {
    const v = value[key];
    return typeof v === 'string' && v.trim() !== ''
      ? v
      : fail(`${where}.${key}`, 'must be a non-empty string');
  };
  const bool = (key: string): boolean => {
    const v = value[key];
    return typeof v === 'boolean' ? v : fail(`${where}.${key}`, 'must be true or false');
  };
  const posInt = (key: string): number => {
    const v = value[key];
    return typeof v === 'number' && Number.isInteger(v) && v > 0
      ? v
      : fail(`${where}.${key}`, 'must be a positive integer');
  };
  const strings = (key: string): string[] => {
    const v = value[key];
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
      return fail(`${where}.${key}`, 'must be an array of strings');
    }
    return v;
  };

  const id = str('id');
  if (!isValidModelId(id)) fail(`${where}.id`, 'may hold only letters, digits, ".", "-" and "_"');
  const family = str('family');
  if (family !== 'clip' && family !== 'siglip') fail(`${where}.family`, 'must be "clip" or "siglip"');
  const repo = str('repo');
  if (!REPO.test(repo)) fail(`${where}.repo`, 'must be a Hugging Face repo id, owner/name');
  const revision = str('revision');
  if (revision.includes('/') || revision.includes('..')) fail(`${where}.revision`, 'is not a valid revision');
  const revisionConfirmed = bool('revisionConfirmed');
  if (revisionConfirmed && !/^[0-9a-f]{40}$/.test(revision)) {
    fail(`${where}.revision`, 'a confirmed revision must be a full 40-character commit sha');
  }
  const requires = strings('requires');
  for (const r of requires) {
    if (!(REQUIREMENTS as readonly string[]).includes(r)) {
      fail(`${where}.requires`, `"${r}" is not one of ${REQUIREMENTS.join(', ')}`);
    }
  }

  const files = parseFiles(value.files, `${where}.files`, fail);
  if (!isRecord(value.variants)) return fail(`${where}.variants`, 'must be an object');
  const variants: Partial<Record<Precision, CatalogueFile[]>> = {};
  for (const [key, list] of Object.entries(value.variants)) {
    if (!(PRECISIONS as readonly string[]).includes(key)) {
      fail(`${where}.variants`, `"${key}" is not a precision (${PRECISIONS.join(', ')})`);
    }
    const parsed = parseFiles(list, `${where}.variants.${key}`, fail);
    const stems = parsed.map((f) => f.path);
    for (const stem of ['vision_model', 'text_model']) {
      if (!stems.some((p) => p.startsWith(`onnx/${stem}`) && p.endsWith('.onnx'))) {
        fail(`${where}.variants.${key}`, `has no onnx/${stem}*.onnx file`);
      }
    }
    variants[key as Precision] = parsed;
  }
  if (Object.keys(variants).length === 0) fail(`${where}.variants`, 'must offer at least one variant');
  for (const required of ['config.json', 'preprocessor_config.json', 'tokenizer.json']) {
    if (!files.some((f) => f.path === required)) fail(`${where}.files`, `must include ${required}`);
  }

  return {
    id,
    name: str('name'),
    family,
    repo,
    revision,
    revisionConfirmed,
    default: bool('default'),
    license: str('license'),
    embedDim: posInt('embedDim'),
    imageSize: posInt('imageSize'),
    languages: strings('languages'),
    goodFor: str('goodFor'),
    requires: requires as Requirement[],
    confirmed: bool('confirmed'),
    notes: typeof value.notes === 'string' ? value.notes : '',
    sources: strings('sources'),
    files,
    variants,
  };
}

function parseFiles(value: unknown, where: string, fail: Fail): CatalogueFile[] {
  if (!Array.isArray(value) || value.length === 0) return fail(where, 'must be a non-empty array of files');
  return value.map((f, i): CatalogueFile => {
    const at = `${where}[${i}]`;
    if (!isRecord(f)) return fail(at, 'must be an object');
    const path = f.path;
    if (typeof path !== 'string' || !isSafeRepoPath(path)) {
      return fail(`${at}.path`, 'must be a relative path without "..", "\\" or a leading "/"');
    }
    const bytes = f.bytes;
    if (bytes !== null && !(typeof bytes === 'number' && Number.isInteger(bytes) && bytes > 0)) {
      fail(`${at}.bytes`, 'must be a positive integer or null');
    }
    if (typeof f.bytesExact !== 'boolean') fail(`${at}.bytesExact`, 'must be true or false');
    const sha = f.sha256;
    if (sha !== null && !(typeof sha === 'string' && SHA256.test(sha))) {
      fail(`${at}.sha256`, 'must be 64 lower-case hex digits or null');
    }
    return {
      path,
      bytes,
      bytesExact: f.bytesExact,
      sha256: sha,
    };
  });
}

/** A repo path we are willing to write under a model folder. */
export function isSafeRepoPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0')) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function findModel(catalogue: Catalogue, id: string): CatalogueEntry | undefined {
  return catalogue.models.find((m) => m.id === id);
}

export function defaultModel(catalogue: Catalogue): CatalogueEntry {
  const entry = catalogue.models.find((m) => m.default);
  if (!entry) throw new CatalogueError('catalogue', 'has no default model');
  return entry;
}

/** The precision variants a catalogue model offers, in catalogue order. */
export function variantsOf(entry: CatalogueEntry): Precision[] {
  return PRECISIONS.filter((p) => entry.variants[p] !== undefined);
}

/**
 * What a download fetches: one variant's graphs for both encoders, or 'recommended': each encoder's
 * graph at the precision it runs at by default on CPU (clip/default-precision.ts: the image encoder in
 * full precision, the text encoder quantised).
 */
export type DownloadVariant = Precision | 'recommended';

/** The variant a download gets unless one is asked for, in the app and the CLI alike. */
export function defaultVariant(entry: CatalogueEntry): DownloadVariant {
  return variantsOf(entry).length ? 'recommended' : 'fp32';
}

/** The precision each encoder gets from a download of `variant`. */
export function downloadPrecision(entry: CatalogueEntry, variant: DownloadVariant): EncoderPrecision {
  if (variant !== 'recommended') return { vision: variant, text: variant };
  const offered = variantsOf(entry);
  const p = defaultPrecision({ vision: offered, text: offered }, true);
  if (!p) throw new CatalogueError(`model ${entry.id}`, 'offers no variant to download');
  return p;
}

/** How a download's precisions read in a message: "image fp32, text quantized", or "quantized". */
export function describeDownload(entry: CatalogueEntry, variant: DownloadVariant): string {
  return describePrecision(downloadPrecision(entry, variant));
}

/** Every file one variant needs: the shared files, then each encoder's graph. */
export function filesFor(entry: CatalogueEntry, variant: DownloadVariant): CatalogueFile[] {
  const { vision, text } = downloadPrecision(entry, variant);
  const graphsOf = (p: Precision, stem: string): CatalogueFile[] => {
    const graphs = entry.variants[p];
    if (!graphs) {
      throw new CatalogueError(
        `model ${entry.id}`,
        `has no ${p} variant (offered: ${variantsOf(entry).join(', ')})`,
      );
    }
    return graphs.filter((f) => f.path.split('/').pop()?.startsWith(stem));
  };
  return [...entry.files, ...graphsOf(vision, 'vision_model'), ...graphsOf(text, 'text_model')];
}

/** The download size of one variant as far as the catalogue knows it. */
export function downloadSize(
  entry: CatalogueEntry,
  variant: DownloadVariant,
): { bytes: number; exact: boolean; unknownFiles: number } {
  let bytes = 0;
  let exact = true;
  let unknownFiles = 0;
  for (const f of filesFor(entry, variant)) {
    if (f.bytes === null) {
      unknownFiles++;
      exact = false;
    } else {
      bytes += f.bytes;
      if (!f.bytesExact) exact = false;
    }
  }
  return { bytes, exact, unknownFiles };
}
