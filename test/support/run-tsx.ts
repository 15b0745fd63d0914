// Runs a TypeScript entry point from source in a child process (through the project's tsx) and
// collects its output and exit code, as a user running the script or CLI would see them.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';

const run = promisify(execFile);
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runTsx(
  entry: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunResult> {
  try {
    const { stdout, stderr } = await run(TSX, [entry, ...args], { env, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as RunResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
