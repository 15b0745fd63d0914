// lumen duplicates: groups of near-identical photos by embedding similarity.

import { parseArgs } from 'node:util';
import { duplicateChoices } from '../../core/library/duplicates.js';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary } from '../library-options.js';

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** What a person compares: "4032x3024, 2.4 MB". */
function describe(p: { width: number | null; height: number | null; bytes: number }): string {
  const shape = p.width && p.height ? `${p.width}x${p.height}, ` : '';
  return `(${shape}${megabytes(p.bytes)})`;
}

export const duplicates: Command = {
  name: 'duplicates',
  summary: 'groups of near-duplicate photos',
  help: `lumen duplicates [--threshold T] [options]

Photos whose embeddings are at least T similar (cosine, default 0.95) are grouped.
The one worth keeping in each group (most pixels, then the larger file, a name that is not a
copy's, the older date) is marked "keep". --json prints one array of {paths, keep, minScore}.

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
      const groups = await duplicateChoices(library, threshold);
      const keptPath = (g: (typeof groups)[number]): string =>
        g.photos.find((p) => p.id === g.keep)?.path ?? '';
      if (values.json)
        out.write(
          `${JSON.stringify(
            groups.map((g) => ({
              paths: g.photos.map((p) => p.path),
              keep: keptPath(g),
              minScore: Number(g.minScore.toFixed(4)),
            })),
          )}\n`,
        );
      else
        for (const [i, g] of groups.entries())
          out.write(
            `group ${i + 1} (>= ${g.minScore.toFixed(3)}):\n${g.photos
              .map((p) => `  ${p.id === g.keep ? 'keep' : '    '}  ${p.path}  ${describe(p)}\n`)
              .join('')}`,
          );
    } finally {
      library.close();
    }
    return EXIT.ok;
  },
};
