// Options shared by the library commands (--db, the model options, search filters), and opening the
// library they describe.

import { resolve } from 'node:path';
import { defaultDatabasePath } from '../core/app-paths.js';
import { Library } from '../core/library/library.js';
import { readStoredSettings } from '../core/library/settings-store.js';
import type { SearchFilters, SearchOptions } from '../core/library/search.js';
import { usageError } from './cli-error.js';
import { ensureModel } from './first-run.js';
import { MODEL_HELP, MODEL_OPTIONS, openModel, type ModelChoice, type ModelValues } from './model-options.js';

export const LIBRARY_OPTIONS = {
  ...MODEL_OPTIONS,
  db: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const LIBRARY_HELP = `${MODEL_HELP}
  --db PATH            library database (default: ${defaultDatabasePath()}; $LUMEN_HOME moves it)
  --json               print JSON instead of text`;

export const FILTER_OPTIONS = {
  limit: { type: 'string' },
  folder: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  camera: { type: 'string' },
  sort: { type: 'string' },
  strictness: { type: 'string' },
  tag: { type: 'string', multiple: true },
  album: { type: 'string', multiple: true },
} as const;

export const FILTER_HELP = `  --limit N            at most N results (default 20)
  --folder DIR         only photos under DIR
  --from DATE --to DATE  taken between (YYYY, YYYY-MM or YYYY-MM-DD; file time without EXIF)
  --format LIST        e.g. jpeg,png
  --camera TEXT        camera make or model contains TEXT
  --sort score|date    order of the results (default score)
  --strictness Z       relevance cut-off in robust standard deviations (default 2.5; 0 = off)
  --tag NAME           only photos tagged NAME (repeat: all of them)
  --album NAME         only photos in album NAME (repeat: any of them)`;

/**
 * Opens the library the options describe, on the model they choose (or on `choice`); on a first run
 * on a terminal it offers to download the default model first.
 */
export async function openLibrary(
  values: ModelValues & { db?: string | undefined },
  choice?: ModelChoice,
): Promise<Library> {
  if (!choice) await ensureModel(values);
  const dbPath = values.db ?? defaultDatabasePath();
  // The library's own thread setting (settings.set in the app) applies unless --threads is given.
  const threads = values.threads ? null : readStoredSettings(dbPath).threads;
  const model = openModel(threads === null ? values : { ...values, threads: String(threads) }, choice);
  return Library.load({ dbPath, model });
}

/** A date as the first (or, with end, the last) millisecond of the year, month or day it names. */
export function parseDate(text: string, end: boolean): number {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(text);
  if (!m) throw usageError(`bad date "${text}" (use YYYY, YYYY-MM or YYYY-MM-DD)`);
  const [y, mo, d] = [Number(m[1]), m[2] ? Number(m[2]) - 1 : null, m[3] ? Number(m[3]) : null];
  if (!end) return Date.UTC(y, mo ?? 0, d ?? 1);
  if (d !== null) return Date.UTC(y, mo ?? 0, d + 1) - 1;
  if (mo !== null) return Date.UTC(y, mo + 1, 1) - 1;
  return Date.UTC(y + 1, 0, 1) - 1;
}

type FilterValues = {
  [K in Exclude<keyof typeof FILTER_OPTIONS, 'tag' | 'album'>]?: string | undefined;
} & { tag?: string[] | undefined; album?: string[] | undefined };

export function searchOptions(values: FilterValues): SearchOptions {
  const filters: SearchFilters = {};
  if (values.folder) filters.folder = values.folder;
  if (values.from) filters.from = parseDate(values.from, false);
  if (values.to) filters.to = parseDate(values.to, true);
  if (values.format) filters.formats = values.format.split(',').map((f) => f.trim().toLowerCase());
  if (values.camera) filters.camera = values.camera;
  if (values.tag?.length) filters.tags = values.tag;
  if (values.album?.length) filters.albums = values.album;
  const options: SearchOptions = { filters };
  if (values.limit) {
    const n = Number(values.limit);
    if (!Number.isInteger(n) || n < 1) throw usageError('--limit must be a positive integer');
    options.limit = n;
  }
  if (values.sort) {
    if (values.sort !== 'score' && values.sort !== 'date') throw usageError('--sort must be score or date');
    options.sort = values.sort;
  }
  if (values.strictness) {
    const z = Number(values.strictness);
    if (!Number.isFinite(z) || z < 0) throw usageError('--strictness must be a number >= 0');
    options.strictness = z;
  }
  return options;
}

/** A library photo named by its path (relative to the working folder) or its id. */
export function photoIdOf(library: Library, arg: string): number {
  const row = /^\d+$/.test(arg) ? library.store.photo(Number(arg)) : library.store.photoByPath(resolve(arg));
  if (!row) throw usageError(`not a photo in the library: ${arg}`);
  return row.id;
}
