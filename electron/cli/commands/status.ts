// lumen status: how many photos are indexed, pending and failed, why each failure failed, which are
// damaged; folders
// that are offline. Needs no model: it reads the library's records (for the model the library was last
// opened with, or the one --model names).

import { parseArgs } from 'node:util';
import { EXIT } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, withLibraryForReading } from '../library-options.js';
import { plural } from '../words.js';

export const status: Command = {
  name: 'status',
  summary: 'counts of indexed, pending and failed photos, and each failure',
  help: `lumen status [options]

Counts are for the model the library was last opened with (or --model); no
model needs to be installed. --json prints {folders, total, indexed, pending,
failed, failures: [{path, error}], damaged: [{path, error}] (indexed from the
part of a damaged file that decodes), model: {name, variant}, offline: [{path,
since, photos}], skipped: [{path, reason}]} (skipped: links out of a library
folder, which are never indexed).

${LIBRARY_HELP}`,
  run(argv, out) {
    const { values } = parseArgs({ args: argv, options: LIBRARY_OPTIONS });
    return withLibraryForReading(values, (library) => {
      const s = library.status();
      if (values.json) out.write(`${JSON.stringify(s)}\n`);
      else {
        const model = s.model ? ` for ${s.model.name}${s.model.variant ? ` (${s.model.variant})` : ''}` : '';
        out.write(
          `folders: ${s.folders.length ? s.folders.join(', ') : '(none)'}\n` +
            `photos: ${s.total} (${s.indexed} indexed${model}${s.damaged.length ? `, ${s.damaged.length} of them damaged` : ''}, ${s.pending} pending, ${s.failed} failed)\n` +
            s.offline
              .map((f) => `offline: ${f.path} (${plural(f.photos, 'photo')} kept until it is back)\n`)
              .join('') +
            s.skipped.map((f) => `left out: ${f.path}: ${f.reason}\n`).join('') +
            s.failures.map((f) => `failed: ${f.path}: ${f.error}\n`).join('') +
            s.damaged.map((f) => `${f.path}: ${f.error}\n`).join(''),
        );
      }
      return EXIT.ok;
    });
  },
};
