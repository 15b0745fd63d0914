// The library's own settings, kept in its database (the settings table, JSON values by key) so they
// travel with the library and mean the same to the app, `lumen serve` and the CLI: inference threads,
// whether tag runs also write XMP sidecars, whether the folders are watched, and what scans leave out.
// Read before the model is opened too (readStoredSettings), since the thread count is a session option.

import { existsSync } from 'node:fs';
import { openDatabase, type Db } from './database.js';
import { checkExcludePattern } from './exclusions.js';

export interface LibrarySettings {
  /** Intra-op threads for the model's sessions; null: all cores (the model's default). */
  threads: number | null;
  /** Tag runs also write the tags to XMP sidecars beside the photos. */
  xmpSidecars: boolean;
  /**
   * Sidecars get the automatic tags too, not only the ones the user set or confirmed (marked as
   * Lumen's guesses in its own namespace, so they never come back as the user's).
   */
  xmpAutoTags: boolean;
  /** The app and `lumen serve` watch the folders and index what changes as it happens. */
  watch: boolean;
  /** Files and folders scans leave out (patterns, see exclusions.ts). */
  exclude: string[];
}

export const DEFAULT_SETTINGS: LibrarySettings = {
  threads: null,
  xmpSidecars: false,
  xmpAutoTags: false,
  watch: true,
  exclude: [],
};

/** A setting's value is not one it can take. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

const isThreads = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 256;

const MAX_PATTERNS = 200;
const isPatterns = (v: unknown): v is string[] =>
  Array.isArray(v) &&
  v.length <= MAX_PATTERNS &&
  v.every((p) => typeof p === 'string' && checkExcludePattern(p) === null);

/** Settings from raw rows; unknown keys and values of the wrong type fall back to the defaults. */
function fromRows(rows: readonly { key: string; value: string }[]): LibrarySettings {
  const out = { ...DEFAULT_SETTINGS };
  for (const { key, value } of rows) {
    let v: unknown;
    try {
      v = JSON.parse(value);
    } catch {
      continue;
    }
    if (key === 'threads' && (v === null || isThreads(v))) out.threads = v;
    if (key === 'xmpSidecars' && typeof v === 'boolean') out.xmpSidecars = v;
    if (key === 'xmpAutoTags' && typeof v === 'boolean') out.xmpAutoTags = v;
    if (key === 'watch' && typeof v === 'boolean') out.watch = v;
    if (key === 'exclude' && isPatterns(v)) out.exclude = v;
  }
  return out;
}

export class SettingsStore {
  constructor(readonly db: Db) {}

  get(): LibrarySettings {
    return fromRows(
      this.db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[],
    );
  }

  /** Changes the given settings, leaving the others as they are. */
  set(change: Partial<LibrarySettings>): LibrarySettings {
    if (change.threads !== undefined && change.threads !== null && !isThreads(change.threads))
      throw new SettingsError('threads must be an integer from 1 to 256, or null');
    if (change.exclude !== undefined) {
      if (change.exclude.length > MAX_PATTERNS)
        throw new SettingsError(`at most ${MAX_PATTERNS} exclusion patterns`);
      for (const p of change.exclude) {
        const problem = checkExcludePattern(p);
        if (problem) throw new SettingsError(problem);
      }
      change = { ...change, exclude: [...new Set(change.exclude.map((p) => p.trim()))] };
    }
    const put = this.db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof LibrarySettings)[])
        if (change[key] !== undefined) put.run(key, JSON.stringify(change[key]));
    })();
    return this.get();
  }
}

/** A library's settings without opening it as a Library (before its model exists); defaults if none. */
export function readStoredSettings(dbPath: string): LibrarySettings {
  return readSettingsTable(
    dbPath,
    (db) => fromRows(db.prepare('SELECT key, value FROM settings').all() as { key: string; value: string }[]),
    () => ({ ...DEFAULT_SETTINGS }),
  );
}

/**
 * Reads from the settings table of the database at dbPath without opening the library (read-only, no
 * migration); `absent()` when there is no database or no settings table yet.
 */
export function readSettingsTable<T>(dbPath: string, read: (db: Db) => T, absent: () => T): T {
  if (!existsSync(dbPath)) return absent();
  const db = openDatabase(dbPath, { readonly: true, skipCheck: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'").get();
    return table ? read(db) : absent();
  } finally {
    db.close();
  }
}
