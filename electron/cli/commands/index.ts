// lumen index: add folders to the library, reconcile it with the disk, and index what is new.

import { parseArgs } from 'node:util';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, usageError } from '../cli-error.js';
import { interruptSignal, type Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';
import { Progress } from '../progress.js';

export const index: Command = {
  name: 'index',
  summary: 'add photo folders and index new and changed photos',
  help: `lumen index [FOLDER...] [options]

Adds each FOLDER to the library (none: the folders already in it), scans them
(unchanged files are skipped, moved files keep their data, deleted ones leave),
and indexes every new or changed photo. Ctrl-C stops cleanly; run it again to go on.
Exit code 0 when every photo was indexed, 1 when some failed (see lumen status).

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: LIBRARY_OPTIONS,
    });
    for (const f of positionals) {
      const isDir = (() => {
        try {
          return statSync(f).isDirectory();
        } catch (e) {
          throw usageError(`cannot read folder ${f} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      })();
      if (!isDir) throw usageError(`not a folder: ${f}`);
    }
    const library = await openLibrary(values);
    let jobCancel: (() => void) | null = null;
    const stop = interruptSignal(() => jobCancel?.());
    try {
      for (const f of positionals) library.addFolder(resolve(f));
      if (library.store.folders().length === 0) throw usageError('no folders: give one to index');
      const scan = await library.scan(stop.signal);
      for (const p of scan.problems) err.write(`warning: ${p.path}: ${p.error}\n`);
      const bar = new Progress(err);
      const { job, ids } = library.indexJob({
        onProgress: (p) => {
          bar.update(
            {
              label: 'indexing',
              done: p.done,
              total: p.total,
              rate: p.photosPerSecond,
              etaSeconds: p.etaSeconds,
            },
            p.done === p.total,
          );
        },
      });
      jobCancel = () => {
        job.cancel();
      };
      const result = await job.run(ids);
      bar.finish();
      // New photos were tagged as they came in; a large change recalibrates every category.
      if (result.state === 'finished') await library.refreshTags(result.indexed, stop.signal);
      const summary = {
        scan: { ...scan, problems: scan.problems.length },
        indexed: result.indexed,
        failed: result.failed,
        state: result.state,
        status: library.status(),
      };
      if (values.json)
        out.write(
          `${JSON.stringify({ ...summary, status: { ...summary.status, failures: summary.status.failures.length } })}\n`,
        );
      else {
        out.write(
          `scanned: ${scan.added} new, ${scan.changed} changed, ${scan.moved} moved, ${scan.removed} removed, ${scan.unchanged} unchanged\n` +
            `indexed ${result.indexed} photos (${result.photosPerSecond.toFixed(1)}/s), ${result.failed} failed${result.state === 'cancelled' ? ', stopped early' : ''}\n`,
        );
      }
      if (result.state === 'cancelled') return 130;
      return result.failed > 0 ? EXIT.failure : EXIT.ok;
    } finally {
      stop.release();
      library.close();
    }
  },
};
