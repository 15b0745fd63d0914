// Watching: while the watcher runs, photos added, moved or deleted in a library folder are indexed or
// forgotten within seconds, without anyone asking.

import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import { LibraryWatcher } from '../../../electron/core/library/library-watcher.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { generatePhotoFolder } from '../../support/shapes/photo-folder.js';
import { tempDir } from '../../support/temp.js';

async function until(check: () => boolean, timeoutMs = 15_000): Promise<number> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

describe('library watcher', () => {
  const root = tempDir();
  const folder = join(root, 'photos');
  const library = Library.open({ dbPath: join(root, 'lib.sqlite'), model: ClipModel.open(TEST_MODEL_DIR) });
  const watcher = new LibraryWatcher(library, { debounceMs: 300 });
  afterAll(async () => {
    await watcher.close();
    library.close();
  });

  it('indexes new photos, follows moves and forgets deleted ones within seconds', async () => {
    await generatePhotoFolder(folder, { count: 5, seed: 1 });
    library.addFolder(folder);
    await library.scan();
    const { job, ids } = library.indexJob();
    await job.run(ids);
    await watcher.start();

    const added = await generatePhotoFolder(join(folder, 'new', 'deeper'), { count: 3, seed: 2 });
    const addMs = await until(() => library.status().indexed === 8);
    expect(library.index.size).toBe(8);

    const moved = join(folder, 'moved.jpg');
    const id = library.store.photoByPath(added[0]?.path ?? '')?.id;
    renameSync(added[0]?.path ?? '', moved);
    await until(() => library.store.photoByPath(moved)?.id === id);

    rmSync(added[1]?.path ?? '');
    const deleteMs = await until(() => library.status().total === 7);
    expect(library.index.size).toBe(7);
    process.stdout.write(
      `watcher: new photos indexed ${addMs} ms after writing, deletion seen after ${deleteMs} ms\n`,
    );
  }, 60_000);
});
