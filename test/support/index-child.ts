// A child process for the crash test: opens a library, scans, indexes in small batches, exits 0 when
// done. The test kills it with SIGKILL at random moments. Args: DB_PATH MODEL_DIR FOLDER
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { Library } from '../../electron/core/library/library.js';

const [dbPath, modelDir, folder] = process.argv.slice(2);
if (!dbPath || !modelDir || !folder) throw new Error('usage: index-child DB MODEL FOLDER');
const library = Library.open({ dbPath, model: ClipModel.open(modelDir, { threads: 1 }) });
library.addFolder(folder);
process.stdout.write('start\n');
const started = Date.now();
await library.scan();
// A pause after each committed batch stretches the run so that random kills spread over all of it
// (reading, encoding, committing, saving the index) rather than all landing after the last batch.
const pauseMs = Number(process.env.LUMEN_CHILD_BATCH_PAUSE_MS ?? 0);
const sleeper = new Int32Array(new SharedArrayBuffer(4));
const { job, ids } = library.indexJob({
  batchSize: 3,
  saveEveryMs: 0, // after every batch, so that kills land in saves too
  onBatch: () => {
    if (pauseMs > 0) Atomics.wait(sleeper, 0, 0, pauseMs);
  },
});
await job.run(ids);
library.close();
process.stdout.write(`done, took ${Date.now() - started} ms\n`);
