// Opening the library database: settings, migrations, and clear errors for files it cannot use.

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDatabasePath } from '../../../electron/core/app-paths.js';
import {
  DatabaseError,
  openDatabase,
  schemaVersion,
  sqliteBinding,
} from '../../../electron/core/library/database.js';
import { MIGRATIONS } from '../../../electron/core/library/migrations.js';
import { tempDir } from '../../support/temp.js';

describe('openDatabase', () => {
  const dir = tempDir();

  it('creates a WAL database with 16 KB pages, foreign keys and the latest schema', () => {
    const db = openDatabase(join(dir, 'new', 'library.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('page_size', { simple: true })).toBe(16384);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    db.close();
    const again = openDatabase(join(dir, 'new', 'library.sqlite'));
    expect(schemaVersion(again)).toBe(MIGRATIONS.length);
    again.close();
  });

  it('counts embedding changes per model, removals by cascade included', () => {
    const db = openDatabase(join(dir, 'counter.sqlite'));
    db.prepare("INSERT INTO folders (path, added_at) VALUES ('/p', 0)").run();
    db.prepare("INSERT INTO photos (folder_id, path, size, mtime_ms) VALUES (1, '/p/a.jpg', 1, 1)").run();
    db.prepare("INSERT INTO models (key, name, dim, created_at) VALUES ('m', 'm', 2, 0)").run();
    db.prepare('INSERT INTO embeddings (model_id, photo_id, vector) VALUES (1, 1, ?)').run(Buffer.alloc(8));
    db.prepare('DELETE FROM photos WHERE id = 1').run();
    expect(db.prepare('SELECT change_counter FROM models').pluck().get()).toBe(2);
    db.close();
  });

  it('refuses a file that is not a database, naming it', () => {
    const file = join(dir, 'notes.sqlite');
    writeFileSync(file, 'definitely not sqlite, but long enough to look like a header '.repeat(200));
    expect(() => openDatabase(file)).toThrow(DatabaseError);
    expect(() => openDatabase(file)).toThrow(/notes\.sqlite: /);
  });

  it('refuses a library written by a newer Lumen', () => {
    const file = join(dir, 'future.sqlite');
    const db = openDatabase(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();
    expect(() => openDatabase(file)).toThrow(/written by a newer Lumen/);
  });

  it('lives in the platform app-data folder by default', () => {
    expect(defaultDatabasePath({ XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/Lumen/library.sqlite');
    expect(defaultDatabasePath({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toMatch(
      /Roaming.Lumen.library\.sqlite$/,
    );
    expect(defaultDatabasePath({}, 'darwin')).toMatch(
      /Library\/Application Support\/Lumen\/library\.sqlite$/,
    );
    expect(defaultDatabasePath({ LUMEN_HOME: '/data/lumen' }, 'linux')).toBe('/data/lumen/library.sqlite');
  });

  it('loads the better-sqlite3 addon it is given, or $LUMEN_SQLITE_BINDING (the Electron build)', () => {
    const own = createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
    const db = openDatabase(join(dir, 'bound.sqlite'), { nativeBinding: own });
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    db.close();
    expect(() =>
      openDatabase(join(dir, 'unbound.sqlite'), { nativeBinding: join(dir, 'missing.node') }),
    ).toThrow(/unbound\.sqlite: cannot be opened .*missing\.node/);
    expect(sqliteBinding({ LUMEN_SQLITE_BINDING: '/app/native/better_sqlite3.node' })).toBe(
      '/app/native/better_sqlite3.node',
    );
    expect(sqliteBinding({ LUMEN_SQLITE_BINDING: '' })).toBeUndefined();
    expect(sqliteBinding({})).toBeUndefined();
    const saved = process.env.LUMEN_SQLITE_BINDING;
    process.env.LUMEN_SQLITE_BINDING = join(dir, 'from-env.node');
    try {
      expect(() => openDatabase(join(dir, 'env.sqlite'))).toThrow(/from-env\.node/);
    } finally {
      if (saved === undefined) delete process.env.LUMEN_SQLITE_BINDING;
      else process.env.LUMEN_SQLITE_BINDING = saved;
    }
  });
});
