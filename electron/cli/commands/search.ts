// lumen search and lumen similar: photos ranked by a query or by likeness to an image, with filters.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QuerySyntaxError } from '../../core/library/query-syntax.js';
import { Searcher, type SearchOptions, type SearchResult } from '../../core/library/search.js';
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

function printHits(result: SearchResult, json: boolean | undefined, out: Output): void {
  if (json) {
    out.write(
      `${JSON.stringify(result.hits.map((h) => ({ path: h.path, score: Number(h.score.toFixed(5)), takenAt: h.takenAt })))}\n`,
    );
    return;
  }
  for (const h of result.hits) out.write(`${h.score.toFixed(3)}  ${h.path}\n`);
}

/** Parses the shared options, opens the library, runs one ranked query and prints it. */
async function runRanked(
  argv: string[],
  out: Output,
  what: string,
  rank: (searcher: Searcher, arg: string, options: SearchOptions) => Promise<SearchResult>,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...LIBRARY_OPTIONS, ...FILTER_OPTIONS },
  });
  if (positionals.length !== 1) throw usageError(`give one ${what}`);
  const options = searchOptions(values);
  const library = await openLibrary(values);
  try {
    printHits(await rank(new Searcher(library), positionals[0] ?? '', options), values.json, out);
    return EXIT.ok;
  } finally {
    library.close();
  }
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
  run: (argv, out) =>
    runRanked(argv, out, 'query (quote it)', (searcher, query, options) =>
      searcher.search(query, options).catch((e: unknown) => {
        throw e instanceof QuerySyntaxError ? usageError(`bad query: ${e.message}`) : e;
      }),
    ),
};

export const similar: Command = {
  name: 'similar',
  summary: 'find photos similar to an image',
  help: `lumen similar IMAGE [options]

IMAGE is a photo in the library or any image file; the photo itself is left out.
--json prints one array of {path, score, takenAt}.

${FILTER_HELP}
${LIBRARY_HELP}`,
  run: (argv, out) =>
    runRanked(argv, out, 'image', (searcher, image, options) => {
      if (!existsSync(image)) throw usageError(`image not found: ${image}`);
      return searcher.similar(resolve(image), options);
    }),
};
