// Temporary folders for tests, removed when the test file finishes.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh empty folder, deleted after the current test file. */
export function tempDir(prefix = 'lumen-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A copy of a folder (e.g. the test model) that a test may damage. */
export function tempCopy(src: string, prefix?: string): string {
  const dir = join(tempDir(prefix), 'copy');
  cpSync(src, dir, { recursive: true });
  return dir;
}
