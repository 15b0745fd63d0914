// lumen status: how many photos are indexed, pending and failed, and why each failure failed.

import { parseArgs } from 'node:util';
import { EXIT } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';

export const status: Command = {
  name: 'status',
  summary: 'counts of indexed, pending and failed photos, and each failure',
  help: `lumen status [options]

--json prints {folders, total, indexed, pending, failed, failures: [{path, error}]}.

${LIBRARY_HELP}`,
  async run(argv, out) {
    const { values } = parseArgs({ args: argv, options: LIBRARY_OPTIONS });
    const library = await openLibrary(values);
    try {
      const s = library.status();
      if (values.json) out.write(`${JSON.stringify(s)}\n`);
      else {
        out.write(
          `folders: ${s.folders.length ? s.folders.join(', ') : '(none)'}\n` +
            `photos: ${s.total} (${s.indexed} indexed, ${s.pending} pending, ${s.failed} failed)\n` +
            s.failures.map((f) => `failed: ${f.path}: ${f.error}\n`).join(''),
        );
      }
    } finally {
      library.close();
    }
    return EXIT.ok;
  },
};
