// Indexing jobs can be paused, resumed and cancelled between batches (the one in flight is finished),
// report progress with a rate and an ETA, and save the graph on their way only as often as asked; a
// cancelled job leaves the rest pending for the next run.

import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import type { IndexProgress } from '../../../electron/core/library/index-job.js';
import { Library } from '../../../electron/core/library/library.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { generatePhotoFolder } from '../../../scripts/shapes/photo-folder.js';
import { tempDir } from '../../support/temp.js';
import { until } from '../../support/until.js';

const model = ClipModel.open(TEST_MODEL_DIR);

async function freshLibrary(count: number): Promise<Library> {
  const root = tempDir();
  await generatePhotoFolder(join(root, 'photos'), { count, seed: count, formats: ['jpeg', 'png'] });
  const library = Library.open({ dbPath: join(root, 'lib.sqlite'), model });
  library.addFolder(join(root, 'photos'));
  await library.scan();
  return library;
}

describe('index job control', () => {
  it('pauses between batches and resumes where it stopped', async () => {
    const library = await freshLibrary(24);
    const seen: IndexProgress[] = [];
    const { job, ids } = library.indexJob({
      batchSize: 4,
      onProgress: (p) => {
        seen.push(p);
        if (p.done === 8 && p.state === 'running') job.pause();
      },
    });
    const run = job.run(ids);
    await until(() => seen.at(-1)?.state === 'paused');
    const whilePaused = library.status();
    // The batch encoding while the pause came (the writes of one overlap the next's encoding) is
    // written, not thrown away; nothing after it.
    expect(whilePaused.indexed).toBe(12);
    expect(seen.at(-1)?.done).toBe(12);
    await new Promise((r) => setTimeout(r, 300));
    expect(library.status().indexed).toBe(12); // nothing moved while paused
    job.resume();
    const result = await run;
    expect(result).toMatchObject({ done: 24, indexed: 24, state: 'finished' });
    const mid = seen.find((p) => p.done === 4);
    expect(mid?.photosPerSecond).toBeGreaterThan(0);
    expect(mid?.etaSeconds).toBeGreaterThan(0);
    library.close();
  });

  it('cancels between batches, leaving the rest pending', async () => {
    const library = await freshLibrary(20);
    const { job, ids } = library.indexJob({
      batchSize: 4,
      onProgress: (p) => {
        if (p.done === 8) job.cancel();
      },
    });
    const result = await job.run(ids);
    expect(result.state).toBe('cancelled');
    // The batch already encoded when the cancel came is kept; the rest stays pending.
    expect(result.done).toBe(12);
    expect(library.status()).toMatchObject({ indexed: 12, pending: 8 });
    const again = library.indexJob();
    expect((await again.job.run(again.ids)).indexed).toBe(8);
    library.close();
  });

  it('saves the graph on its way about once a minute, or as often as asked, and always at the end', async () => {
    // Whether the graph file was written during a run, batch by batch: its time is set back to 1970
    // before the run, and a save makes it now.
    const savesSeen = async (options: {
      saveEveryMs?: number;
    }): Promise<{ during: boolean[]; end: boolean }> => {
      const library = await freshLibrary(24);
      await library.index.whenComplete();
      const { file } = library.index;
      utimesSync(file, 0, 0);
      const during: boolean[] = [];
      const { job, ids } = library.indexJob({
        ...options,
        batchSize: 2,
        onBatch: () => {
          during.push(statSync(file).mtimeMs > 0);
        },
      });
      expect(await job.run(ids)).toMatchObject({ indexed: 24, state: 'finished' });
      const end = statSync(file).mtimeMs > 0;
      library.close();
      return { during, end };
    };
    // The default: this short run (12 batches) writes the graph once, at the end.
    const usual = await savesSeen({});
    expect(usual.during).toEqual(Array(12).fill(false));
    expect(usual.end).toBe(true);
    // After every batch: each batch after the first sees the file written.
    const often = await savesSeen({ saveEveryMs: 0 });
    expect(often.during.slice(1).every(Boolean)).toBe(true);
  });
});
