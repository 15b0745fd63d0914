// Opens the library's SQLite database: WAL, foreign keys, 16 KB pages (embedding rows are 2 KB; measured
// 85k rows/s and 234 MB per 100k against 35k rows/s and 411 MB with 4 KB pages), an integrity check,
// and the migrations in migrations.ts. The desktop app's engine loads better-sqlite3's addon built for
// Electron's ABI from $LUMEN_SQLITE_BINDING (scripts/electron-native.mjs); plain Node uses its own.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

export interface OpenOptions {
  readonly?: boolean;
  /** Skip the integrity check (a second connection in the same process, for instance). */
  skipCheck?: boolean;
  /** better-sqlite3's compiled addon to load instead of its own (default: $LUMEN_SQLITE_BINDING). */
  nativeBinding?: string;
}

/** The addon the environment asks for, if any. */
export function sqliteBinding(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.LUMEN_SQLITE_BINDING || undefined;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Db;
  try {
    const nativeBinding = options.nativeBinding ?? sqliteBinding();
    db = new Database(file, { readonly: options.readonly ?? false, ...(nativeBinding && { nativeBinding }) });
  } catch (err) {
    throw new DatabaseError(file, `cannot be opened (${(err as Error).message})`);
  }
  try {
    // Page size only takes effect before the first table is created (or on VACUUM).
    if (!options.readonly) db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // With WAL, NORMAL loses at most the last transactions on power loss, never consistency.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    if (!options.skipCheck) {
      const result = db.pragma('quick_check', { simple: true }) as string;
      if (result !== 'ok') throw new DatabaseError(file, `failed its integrity check (${result})`);
    }
    if (!options.readonly) migrate(db);
    return db;
  } catch (err) {
    db.close();
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError(file, `is not a usable Lumen library (${(err as Error).message})`);
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db): void {
  const current = schemaVersion(db);
  if (current > MIGRATIONS.length) {
    throw new Error(
      `it was written by a newer Lumen (schema ${current}, this version knows ${MIGRATIONS.length})`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] ?? '');
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
