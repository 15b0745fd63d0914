// Crash safety: a real child process indexing a folder is killed with SIGKILL at random moments, many
// times; after each restart the library must end with every photo indexed exactly once, an HNSW
// index consistent with the database, and nothing lost.

import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import { REPO_ROOT, TEST_MODEL_DIR } from '../../support/paths.js';
import { Random } from '../../../electron/core/random.js';
import { generatePhotoFolder } from '../../../scripts/shapes/photo-folder.js';
import { tempDir } from '../../support/temp.js';

const CHILD = join(REPO_ROOT, 'test', 'support', 'index-child.ts');
const PHOTOS = 60;
const KILLS = 12;
const NEW_PER_RUN = 10;

/** Runs the child; kills it after killAfterMs (null: let it finish). Resolves to how it ended. */
function runChild(
  args: string[],
  killAfterMs: number | null,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    // node with tsx's loader, not the tsx CLI: that one runs the script in a grandchild, which a
    // SIGKILL to the CLI would leave running.
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LUMEN_CHILD_BATCH_PAUSE_MS: '30' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let timer: NodeJS.Timeout | null = null;
    // Count the delay from the moment indexing starts, so kills land inside the work, not in start-up.
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterMs !== null && !timer && d.toString().includes('start'))
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('crash safety', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const dbPath = join(root, 'data', 'library.sqlite');

  beforeAll(async () => {
    await generatePhotoFolder(folder, { count: PHOTOS, seed: 404, subfolders: 4 });
    writeFileSync(join(folder, 'set-1', 'bad.jpg'), 'not an image');
  }, 300_000);

  it(`survives ${KILLS} SIGKILLs at random moments and ends consistent`, async () => {
    // How long indexing takes per photo in an uninterrupted run (a scratch library), to aim the kills.
    const scratch = join(root, 'scratch', 'library.sqlite');
    const full = await runChild([scratch, TEST_MODEL_DIR, folder], null);
    expect(full.code, full.out).toBe(0);
    const perPhoto = Number(/took (\d+)/.exec(full.out)?.[1] ?? 2000) / PHOTOS;
    const rng = new Random(2026);
    let killed = 0;
    let total = PHOTOS;
    const repairs: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      // The library grows between runs, so each run has work to be killed in: scanning, reading,
      // encoding, committing or saving the index.
      await generatePhotoFolder(join(folder, `more-${i}`), { count: NEW_PER_RUN, seed: 500 + i });
      total += NEW_PER_RUN;
      const r = await runChild(
        [dbPath, TEST_MODEL_DIR, folder],
        Math.floor(rng.uniform(0, perPhoto * NEW_PER_RUN * 1.2)),
      );
      if (r.signal === 'SIGKILL') killed++;
      else expect(r.code, r.out).toBe(0);
      if (!existsSync(dbPath)) continue; // killed before the database was created
      // Right after the crash, opening the library repairs the index to match the database.
      const after = Library.open({ dbPath, model: ClipModel.open(TEST_MODEL_DIR) });
      const ids = after.store.embeddedIds(after.modelId);
      expect(after.index.size, JSON.stringify(after.repair)).toBe(ids.length);
      expect(ids.every((id) => after.index.has(id))).toBe(true);
      repairs.push(after.repair.action);
      after.close();
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS / 2);
    const last = await runChild([dbPath, TEST_MODEL_DIR, folder], null);
    expect(last.code, last.out).toBe(0);

    const library = Library.open({ dbPath, model: ClipModel.open(TEST_MODEL_DIR) });
    try {
      const status = library.status();
      expect(status).toMatchObject({ total: total + 1, indexed: total, failed: 1, pending: 0 });
      // Exactly once: one row per file, one embedding per indexed photo.
      const rows = library.db
        .prepare('SELECT COUNT(*) AS n, COUNT(DISTINCT path) AS paths FROM photos')
        .get() as { n: number; paths: number };
      expect(rows).toEqual({ n: total + 1, paths: total + 1 });
      const embedded = library.store.embeddedIds(library.modelId);
      expect(embedded).toHaveLength(total);
      // The index holds exactly the database's vectors.
      expect(library.index.size).toBe(total);
      for (const id of embedded) expect(library.index.has(id)).toBe(true);
      // Nothing lost: every indexed photo has its thumbnail file.
      for (const id of embedded) {
        const t = library.store.thumbnail(id);
        expect(t && existsSync(library.thumbnails.pathOf(t.file))).toBe(true);
      }
      process.stdout.write(
        `crash test: ${killed} of ${KILLS} runs killed mid-way; index on reopening: ${repairs.join(', ')}\n`,
      );
    } finally {
      library.close();
    }
  }, 600_000);
});
