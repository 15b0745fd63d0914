// lumen search: photos ranked by a query (text and images, weights, negatives), with filters.

import { parseArgs } from 'node:util';
import { QuerySyntaxError } from '../../core/library/query-syntax.js';
import { Searcher, type SearchResult } from '../../core/library/search.js';
import { EXIT, usageError } from '../cli-error.js';
import type { Command, Output } from '../command.js';
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  LIBRARY_HELP,
  LIBRARY_OPTIONS,
  openLibrary,
  searchOptions,
} from '../library-options.js';

export function printHits(result: SearchResult, json: boolean | undefined, out: Output): void {
  if (json) {
    out.write(
      `${JSON.stringify(result.hits.map((h) => ({ path: h.path, score: Number(h.score.toFixed(5)), takenAt: h.takenAt })))}\n`,
    );
    return;
  }
  for (const h of result.hits) out.write(`${h.score.toFixed(3)}  ${h.path}\n`);
}

export const search: Command = {
  name: 'search',
  summary: 'find photos by a text (and image) query',
  help: `lumen search "QUERY" [options]

QUERY: terms joined by " + " and " - ", each text or an image file, optionally
weighted: "beach + sunset - people", "2:dog + ./rex.jpg".
--json prints one array of {path, score, takenAt}.

${FILTER_HELP}
${LIBRARY_HELP}`,
  async run(argv, out) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...LIBRARY_OPTIONS, ...FILTER_OPTIONS },
    });
    if (positionals.length !== 1) throw usageError('give one query (quote it)');
    const options = searchOptions(values);
    const library = openLibrary(values);
    try {
      const result = await new Searcher(library).search(positionals[0] ?? '', options).catch((e: unknown) => {
        throw e instanceof QuerySyntaxError ? usageError(`bad query: ${e.message}`) : e;
      });
      printHits(result, values.json, out);
      return EXIT.ok;
    } finally {
      library.close();
    }
  },
};
