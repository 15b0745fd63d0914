// lumen watch (and lumen index --watch) as a user runs it in a terminal: it indexes the folder, then
// reports each change as it happens (one JSON object per line with --json): a photo added, renamed
// (the same photo, its caption kept), deleted; Ctrl-C stops it cleanly with exit code 0.

import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePhotoFolder, type GeneratedPhoto } from '../../scripts/shapes/photo-folder.js';
import { REPO_ROOT, TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { lumen } from './run-lumen.js';

interface Line {
  scan: { added: number; moved: number; removed: number };
  indexed: number;
  status: { total: number; indexed: number };
}

/** `lumen ARGS` left running, with its stdout lines as they come. */
function running(args: string[]): {
  child: ChildProcess;
  next: (test: (l: Line) => boolean) => Promise<Line>;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(
    join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
    [join(REPO_ROOT, 'electron', 'cli', 'lumen.ts'), ...args],
    {
      env: { ...process.env, LUMEN_MODEL: '', LUMEN_HOME: mkdtempSync(join(tmpdir(), 'lumen-home-')) },
    },
  );
  const lines: Line[] = [];
  const waiting: { test: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    for (const w of [...waiting])
      if (w.test(line)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
  });
  return {
    child,
    next: (test) => {
      const seen = lines.find(test);
      if (seen) {
        lines.splice(lines.indexOf(seen), 1);
        return Promise.resolve(seen);
      }
      return new Promise((resolve) => waiting.push({ test, resolve }));
    },
    stderr: () => err,
    exit: new Promise((resolve) => {
      child.once('exit', (code) => {
        resolve(code);
      });
    }),
  };
}

describe('lumen watch', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const db = join(root, 'lib', 'library.sqlite');
  let extra: GeneratedPhoto[] = [];

  beforeAll(async () => {
    await generatePhotoFolder(folder, { count: 6, seed: 41, formats: ['jpeg'] });
    extra = await generatePhotoFolder(join(root, 'staging'), { count: 2, seed: 42, formats: ['jpeg'] });
  }, 120_000);

  let watch: ReturnType<typeof running> | null = null;
  afterAll(() => {
    watch?.child.kill('SIGKILL');
  });

  it('indexes the folder first, then reports each change until Ctrl-C', async () => {
    watch = running(['watch', folder, '--db', db, '--model', TEST_MODEL_DIR, '--json']);
    const first = await watch.next(() => true);
    expect(first).toMatchObject({ scan: { added: 6 }, indexed: 6, status: { total: 6, indexed: 6 } });
    await new Promise((r) => setTimeout(r, 500)); // the watcher is ready once the first line is out

    const added = join(folder, 'added.jpg');
    cpSync((extra[0] as GeneratedPhoto).path, added);
    expect(await watch.next((l) => l.scan.added === 1)).toMatchObject({ indexed: 1, status: { total: 7 } });

    const caption = await lumen('caption', added, 'the one I added', '--db', db, '--model', TEST_MODEL_DIR);
    expect(caption.code, caption.stderr).toBe(0);
    const renamed = join(folder, 'renamed.jpg');
    renameSync(added, renamed);
    expect(await watch.next((l) => l.scan.moved === 1)).toMatchObject({
      scan: { added: 0 },
      status: { total: 7 },
    });
    const shown = await lumen('caption', renamed, '--db', db, '--model', TEST_MODEL_DIR);
    expect(shown.stdout).toContain('the one I added');

    rmSync(renamed);
    expect(await watch.next((l) => l.scan.removed === 1)).toMatchObject({ status: { total: 6 } });

    watch.child.kill('SIGINT');
    expect(await watch.exit).toBe(0);
    expect(watch.stderr()).toMatch(/watching 1 folder\(s\); Ctrl-C stops[\s\S]*stopping/);
  }, 120_000);

  it('lumen index --watch keeps going after indexing, until Ctrl-C', async () => {
    const again = running(['index', '--watch', '--db', db, '--model', TEST_MODEL_DIR, '--json']);
    try {
      expect(await again.next(() => true)).toMatchObject({ scan: { added: 0 }, status: { total: 6 } });
      await new Promise((r) => setTimeout(r, 500));
      cpSync((extra[1] as GeneratedPhoto).path, join(folder, 'late.jpg'));
      expect(await again.next((l) => l.scan.added === 1)).toMatchObject({ status: { total: 7 } });
      again.child.kill('SIGINT');
      expect(await again.exit).toBe(0);
    } finally {
      again.child.kill('SIGKILL');
    }
  }, 120_000);
});
