// Where Lumen keeps its data by default: the folder Electron's app.getPath('userData') gives for an app
// named "Lumen", computed without Electron so the CLI and the app share one library and one model cache.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function appDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (env.LUMEN_HOME) return env.LUMEN_HOME;
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Lumen');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Lumen');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Lumen');
  }
}

export const defaultDatabasePath = (env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string =>
  join(appDataDir(env, platform), 'library.sqlite');
