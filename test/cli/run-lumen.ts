// Runs the lumen CLI from source in a child process and collects its output and exit code.

import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/paths.js';

const run = promisify(execFile);
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const ENTRY = join(REPO_ROOT, 'electron', 'cli', 'lumen.ts');
const HOME = mkdtempSync(join(tmpdir(), 'lumen-home-'));

export async function lumen(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [ENTRY, ...args], {
      // A private app-data folder: no model cache, settings or library from the machine's user.
      env: { ...process.env, LUMEN_MODEL: '', LUMEN_HOME: HOME },
      maxBuffer: 64 * 2 ** 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
