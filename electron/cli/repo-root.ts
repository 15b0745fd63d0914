// The package's root folder, found from this module whether it runs from source (electron/cli) or
// compiled (dist/electron/cli): the first ancestor holding package.json.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return start;
    dir = up;
  }
  return dir;
}

export const REPO_ROOT_FROM_DIST = findRoot(dirname(fileURLToPath(import.meta.url)));
