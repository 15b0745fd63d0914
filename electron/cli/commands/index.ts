// lumen index: add folders to the library and bring it up to date (core's updateLibrary: scan, index,
// tag, sidecars as the library's settings say); with --watch, then keep it current until Ctrl-C, as
// lumen watch does.

import { parseArgs } from 'node:util';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';
import {
  checkFolders,
  describeScan,
  finishSearchIndex,
  updateJson,
  updateWithProgress,
  watchLibrary,
} from '../library-updates.js';
import { plural } from '../words.js';

export const index: Command = {
  name: 'index',
  summary: 'add photo folders and index new and changed photos',
  help: `lumen index [FOLDER...] [--watch] [options]

Adds each FOLDER to the library (none: the folders already in it), scans them
(unchanged files are skipped, moved files keep their data, deleted ones leave,
a folder that is not there keeps its photos as offline), indexes every new or
changed photo, tags them, and writes XMP sidecars if the library's settings
say so (lumen settings). Creates the library if there is none.
Ctrl-C stops cleanly; run it again to go on.
Exit code 0 when every photo was indexed, 1 when some failed (listed; see
also lumen status). A JPEG cut short is indexed from the part that decodes
and listed as damaged (exit code 0), unless less than a tenth of it is there.

  --watch              then keep watching the folders until Ctrl-C (lumen watch)

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...LIBRARY_OPTIONS, watch: { type: 'boolean' } },
    });
    const folders = checkFolders(positionals);
    const library = await openLibrary(values, { create: true });
    try {
      for (const f of folders) library.addFolder(f);
      if (library.store.folders().length === 0) throw usageError('no folders: give one to index');
      const report = await updateWithProgress(library, err);
      for (const p of report.scan.problems) err.write(`warning: ${p.path}: ${p.error}\n`);
      for (const f of report.failures) err.write(`failed: ${f.path}: ${f.error}\n`);
      for (const f of report.damaged) err.write(`${f.path}: ${f.error}\n`);
      if (values.json) out.write(`${JSON.stringify(updateJson(report, library))}\n`);
      else {
        out.write(
          `${describeScan(report.scan)}\n` +
            `indexed ${plural(report.indexed, 'photo')} (${report.photosPerSecond.toFixed(1)}/s${report.damaged.length ? `, ${report.damaged.length} damaged` : ''}), ${report.failed} failed${report.state === 'cancelled' ? ', stopped early' : ''}\n` +
            (report.sidecars ? `wrote ${report.sidecars.written.length} XMP sidecars\n` : ''),
        );
      }
      if (report.state === 'cancelled') return 130;
      await finishSearchIndex(library, err);
      if (values.watch) return await watchLibrary(library, out, err, values.json);
      return report.failed > 0 ? EXIT.failure : EXIT.ok;
    } finally {
      library.close();
    }
  },
};
