// Where the desktop app finds its parts, as plain functions of the app's location: the built renderer,
// the preload, the engine's entry, and better-sqlite3 built for Electron's ABI (build/electron-native
// in development, resources/native in a package; see scripts/electron-native.mjs).

import { join } from 'node:path';

export interface AppLocation {
  /** app.getAppPath(): the project root in development, .../resources/app.asar when packaged. */
  appPath: string;
  /** app.isPackaged */
  packaged: boolean;
  /** process.resourcesPath: the folder holding app.asar and the extraResources. */
  resourcesPath: string;
}

export const SQLITE_BINDING_FILE = 'better_sqlite3.node';

export function rendererDir(l: AppLocation): string {
  return join(l.appPath, 'dist', 'renderer');
}

export function preloadPath(l: AppLocation): string {
  return join(l.appPath, 'dist', 'preload', 'preload.cjs');
}

export function engineEntry(l: AppLocation): string {
  return join(l.appPath, 'dist', 'electron', 'engine', 'utility-entry.js');
}

export function sqliteBindingPath(l: AppLocation): string {
  return l.packaged
    ? join(l.resourcesPath, 'native', SQLITE_BINDING_FILE)
    : join(l.appPath, 'build', 'electron-native', SQLITE_BINDING_FILE);
}

/** The engine process's environment: the parent's, plus where better-sqlite3 for Electron is. */
export function engineEnv(l: AppLocation, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  out.LUMEN_SQLITE_BINDING = env.LUMEN_SQLITE_BINDING || sqliteBindingPath(l);
  return out;
}
