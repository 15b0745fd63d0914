// Runs the lumen CLI from source in a child process and collects its output and exit code.

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { runTsx, type RunResult } from '../support/run-tsx.js';

const ENTRY = join(REPO_ROOT, 'electron', 'cli', 'lumen.ts');
const HOME = mkdtempSync(join(tmpdir(), 'lumen-home-'));

/** A private app-data folder: no model cache, settings or library from the machine's user. */
const ENV = { ...process.env, LUMEN_MODEL: '', LUMEN_HOME: HOME };

export function lumen(...args: string[]): Promise<RunResult> {
  return runTsx(ENTRY, args, ENV);
}

/**
 * Runs lumen with its standard output closed on our side before it writes anything, as `lumen ... |
 * head` leaves it once head has read enough: its exit code and what it wrote to stderr.
 */
export function lumenIntoClosedPipe(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [ENTRY, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: ENV,
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      resolve({ code, stderr });
    }),
  );
}
