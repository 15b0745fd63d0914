// The package's root folder, found from this module whether it runs from source (electron/core) or
// compiled (dist/electron/core): the first ancestor holding package.json. The CLI finds the built
// renderer from it, the model code the catalogue.

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

export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
