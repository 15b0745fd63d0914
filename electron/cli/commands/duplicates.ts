// lumen duplicates: groups of near-identical photos by embedding similarity.

import { parseArgs } from 'node:util';
import { findDuplicates } from '../../core/library/duplicates.js';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';

export const duplicates: Command = {
  name: 'duplicates',
  summary: 'groups of near-duplicate photos',
  help: `lumen duplicates [--threshold T] [options]

Photos whose embeddings are at least T similar (cosine, default 0.95) are grouped.
--json prints one array of {paths, minScore}.

${LIBRARY_HELP}`,
  async run(argv, out) {
    const { values } = parseArgs({
      args: argv,
      options: { ...LIBRARY_OPTIONS, threshold: { type: 'string' } },
    });
    const threshold = values.threshold ? Number(values.threshold) : 0.95;
    if (!(threshold > 0 && threshold <= 1)) throw usageError('--threshold must be in (0, 1]');
    const library = await openLibrary(values);
    try {
      const groups = await findDuplicates(library, threshold);
      if (values.json)
        out.write(
          `${JSON.stringify(groups.map((g) => ({ paths: g.paths, minScore: Number(g.minScore.toFixed(4)) })))}\n`,
        );
      else
        for (const [i, g] of groups.entries())
          out.write(
            `group ${i + 1} (>= ${g.minScore.toFixed(3)}):\n${g.paths.map((p) => `  ${p}\n`).join('')}`,
          );
    } finally {
      library.close();
    }
    return EXIT.ok;
  },
};
