// Options shared by the library commands (--db, the model options, search filters), and opening the
// library they describe (core's openLibrary, or only its records for commands that need no model).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultDatabasePath } from '../core/app-paths.js';
import { LibraryMissingError, LibraryRecords } from '../core/library/library-records.js';
import type { Library } from '../core/library/library.js';
import { openLibrary as openCoreLibrary } from '../core/library/open-library.js';
import { toSearchOptions, type SearchOptions } from '../core/library/search.js';
import { usageError, type CliError } from './cli-error.js';
import { ensureModel } from './first-run.js';
import {
  configuredModel,
  MODEL_HELP,
  MODEL_OPTIONS,
  modelGiven,
  modelOptions,
  resolveModelChoice,
  type ModelChoice,
  type ModelValues,
} from './model-options.js';

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
  all: { type: 'boolean' },
  strict: { type: 'boolean' },
  tag: { type: 'string', multiple: true },
  album: { type: 'string', multiple: true },
} as const;

export const FILTER_HELP = `  --limit N            at most N results (default: every photo that stands out, or 20)
  --folder DIR         only photos under DIR
  --from DATE --to DATE  taken between (YYYY, YYYY-MM or YYYY-MM-DD; file time without EXIF)
  --format LIST        e.g. jpeg,png
  --camera TEXT        camera make or model contains TEXT
  --sort score|date    order of the results (default score)
  --all                show weaker matches too: the closest N photos, ranked
                       (default: the photos that stand out, at least 5; the closest N when none does)
  --strict             only the photos that stand out, however few
  --tag NAME           only photos tagged NAME (repeat: all of them)
  --album NAME         only photos in album NAME (repeat: any of them)`;

export type LibraryValues = ModelValues & { db?: string | undefined };

export interface OpenOptions {
  /** The model to open (default: the one the options choose). */
  choice?: ModelChoice;
  /** Create the library when there is none (lumen index and serve); other commands need one. */
  create?: boolean;
}

/** The database the options name: --db, or the app's own library. */
export const databasePath = (values: LibraryValues): string => resolve(values.db ?? defaultDatabasePath());

/** "no library at PATH" in the CLI's words: how to make one, or that --db may be mistyped. */
function missingLibrary(e: LibraryMissingError, values: LibraryValues): CliError {
  return usageError(
    `${e.message}${values.db ? ' (check --db)' : ''}: "lumen index FOLDER" creates one and indexes FOLDER`,
  );
}

/**
 * Opens the library the options describe (core's openLibrary), on the model they choose (or on
 * `choice`), with their precision, providers and threads over the library's own settings. On a first
 * run on a terminal it offers to download the default model first.
 */
export async function openLibrary(values: LibraryValues, options: OpenOptions = {}): Promise<Library> {
  const dbPath = databasePath(values);
  if (!options.create && !existsSync(dbPath)) throw missingLibrary(new LibraryMissingError(dbPath), values);
  if (!options.choice) await ensureModel(values);
  const model = options.choice ?? resolveModelChoice(values);
  return openCoreLibrary({
    dbPath,
    model,
    modelOptions: modelOptions(values),
    create: options.create ?? false,
  });
}

/**
 * The library's records without a model, for commands that need none (status, tags list, albums
 * list, finetune list); they report on the model the library was last opened with.
 */
export function openRecords(values: LibraryValues): LibraryRecords {
  try {
    return LibraryRecords.openExisting(databasePath(values));
  } catch (e) {
    if (e instanceof LibraryMissingError) throw missingLibrary(e, values);
    throw e;
  }
}

/**
 * For commands that need no model: the library on its model when the options name one (or, with
 * `preferModel`, when one is installed), else its records alone, reporting on the model the library
 * was last opened with.
 */
async function openForReading(values: LibraryValues, preferModel = false): Promise<LibraryRecords> {
  if (modelGiven(values) || (preferModel && configuredModel(values) !== null)) return openLibrary(values);
  return openRecords(values);
}

/** Runs `use` on the library opened for reading (openForReading), and closes it however `use` ends. */
export async function withLibraryForReading<T>(
  values: LibraryValues,
  use: (records: LibraryRecords) => T | Promise<T>,
  preferModel = false,
): Promise<T> {
  const records = await openForReading(values, preferModel);
  try {
    return await use(records);
  } finally {
    records.close();
  }
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
  [K in Exclude<keyof typeof FILTER_OPTIONS, 'tag' | 'album' | 'all' | 'strict'>]?: string | undefined;
} & {
  tag?: string[] | undefined;
  album?: string[] | undefined;
  all?: boolean | undefined;
  strict?: boolean | undefined;
};

/** The filter options parsed (dates, numbers, lists), into core's SearchOptions. */
export function searchOptions(values: FilterValues): SearchOptions {
  const int = (text: string | undefined, name: string): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a positive integer`);
    return n;
  };
  if (values.sort !== undefined && values.sort !== 'score' && values.sort !== 'date')
    throw usageError('--sort must be score or date');
  if (values.all && values.strict) throw usageError('--all and --strict do not go together');
  return toSearchOptions({
    limit: int(values.limit, 'limit'),
    sort: values.sort,
    matches: values.all ? 'all' : values.strict ? 'strong' : undefined,
    filters: {
      folder: values.folder,
      from: values.from ? parseDate(values.from, false) : undefined,
      to: values.to ? parseDate(values.to, true) : undefined,
      formats: values.format?.split(',').map((f) => f.trim().toLowerCase()),
      camera: values.camera,
      tags: values.tag?.length ? values.tag : undefined,
      albums: values.album?.length ? values.album : undefined,
    },
  });
}

/** A library photo named by its path (relative to the working folder) or its id. */
export function photoIdOf(library: LibraryRecords, arg: string): number {
  const row = /^\d+$/.test(arg) ? library.store.photo(Number(arg)) : library.store.photoByPath(resolve(arg));
  if (!row) throw usageError(`not a photo in the library: ${arg}`);
  return row.id;
}
