// Runs the lumen CLI from source in a child process and collects its output and exit code.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';
import { runTsx, type RunResult } from '../support/run-tsx.js';

const ENTRY = join(REPO_ROOT, 'electron', 'cli', 'lumen.ts');
const HOME = mkdtempSync(join(tmpdir(), 'lumen-home-'));

export function lumen(...args: string[]): Promise<RunResult> {
  // A private app-data folder: no model cache, settings or library from the machine's user.
  return runTsx(ENTRY, args, { ...process.env, LUMEN_MODEL: '', LUMEN_HOME: HOME });
}
