// lumen watch: bring the library up to date, then keep it current until Ctrl-C. The same watcher and
// update as the app and `lumen serve` (core's LibraryWatcher and LibraryUpdater); one line per update
// (one JSON object per line with --json).

import { parseArgs } from 'node:util';
import { usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';
import {
  checkFolders,
  describeScan,
  updateJson,
  updateWithProgress,
  watchLibrary,
} from '../library-updates.js';

export const watch: Command = {
  name: 'watch',
  summary: 'index the library, then keep it current as photos are added, moved or deleted',
  help: `lumen watch [FOLDER...] [options]

Adds each FOLDER (none: the folders already in the library), brings the library
up to date as lumen index does, then watches the folders until Ctrl-C: a photo
added, changed, renamed, moved or deleted is indexed or forgotten within
seconds (tags, captions and albums follow a moved photo). A folder that
disappears (an unplugged drive) keeps its photos as offline until it returns.
Prints one line per change (one JSON object per line with --json). Exit code 0
when stopped with Ctrl-C.

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: LIBRARY_OPTIONS,
    });
    const folders = checkFolders(positionals);
    const library = await openLibrary(values, { create: true });
    try {
      for (const f of folders) library.addFolder(f);
      if (library.store.folders().length === 0) throw usageError('no folders: give one to watch');
      const first = await updateWithProgress(library, err);
      if (first.state === 'cancelled') return 130;
      out.write(
        values.json
          ? `${JSON.stringify(updateJson(first, library))}\n`
          : `${describeScan(first.scan)}; indexed ${first.indexed}, ${first.failed} failed\n`,
      );
      return await watchLibrary(library, out, err, values.json);
    } finally {
      library.close();
    }
  },
};
