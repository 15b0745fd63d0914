// Where the app finds its parts in development and when packaged, and the engine's environment.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  engineEntry,
  engineEnv,
  preloadPath,
  rendererDir,
  sqliteBindingPath,
} from '../../electron/main/paths.js';

const dev = { appPath: '/src/lumen', packaged: false, resourcesPath: '/opt/electron/resources' };
const packaged = {
  appPath: '/opt/Lumen/resources/app.asar',
  packaged: true,
  resourcesPath: '/opt/Lumen/resources',
};

describe('app paths', () => {
  it('finds the built parts under the app path', () => {
    expect(rendererDir(dev)).toBe(join('/src/lumen', 'dist', 'renderer'));
    expect(preloadPath(packaged)).toBe(
      join('/opt/Lumen/resources/app.asar', 'dist', 'preload', 'preload.cjs'),
    );
    expect(engineEntry(dev)).toBe(join('/src/lumen', 'dist', 'electron', 'engine', 'utility-entry.js'));
  });

  it('loads better-sqlite3 for Electron from build/ in development and resources/native when packaged', () => {
    expect(sqliteBindingPath(dev)).toBe(
      join('/src/lumen', 'build', 'electron-native', 'better_sqlite3.node'),
    );
    expect(sqliteBindingPath(packaged)).toBe(join('/opt/Lumen/resources', 'native', 'better_sqlite3.node'));
  });

  it("gives the engine the parent's environment plus the binding, unless one is set already", () => {
    const env = engineEnv(dev, { LUMEN_HOME: '/data', LUMEN_MODEL: '/m', EMPTY: undefined });
    expect(env).toEqual({
      LUMEN_HOME: '/data',
      LUMEN_MODEL: '/m',
      LUMEN_SQLITE_BINDING: sqliteBindingPath(dev),
    });
    expect(engineEnv(dev, { LUMEN_SQLITE_BINDING: '/mine.node' }).LUMEN_SQLITE_BINDING).toBe('/mine.node');
  });
});
