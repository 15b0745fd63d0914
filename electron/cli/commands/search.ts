// lumen search and lumen similar: photos ranked by a query or by likeness to an image, with filters.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { QuerySyntaxError } from '../../core/library/query-syntax.js';
import {
  NothingIndexedError,
  Searcher,
  type SearchOptions,
  type SearchResult,
} from '../../core/library/search.js';
import { CliError, EXIT, usageError } from '../cli-error.js';
import type { Command, Output } from '../command.js';
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  LIBRARY_HELP,
  LIBRARY_OPTIONS,
  openLibrary,
  searchOptions,
} from '../library-options.js';

const photos = (n: number): string => `${n} photo${n === 1 ? '' : 's'}`;

/**
 * What the cut-off did, in a line for stderr (stdout keeps one photo per line for scripts): how many
 * photos stand out, what else is shown or left out, and how to see more.
 */
export function describeCut(result: SearchResult, options: SearchOptions): string {
  const shown = result.hits.length;
  const weaker = result.hits.filter((h) => !h.strong).length;
  const limit = options.limit ?? 20;
  if (result.cutoff === null) {
    if (options.matches === 'strong') return 'no photo stands out for this query (--strict)\n';
    return `no photo stands out for this query: ${shown === 1 ? 'this is the closest one' : `these are the ${shown} closest`}\n`;
  }
  const standOut = `${photos(result.strong)} of ${result.searched} stand${result.strong === 1 ? 's' : ''} out`;
  if (result.strong > shown && shown >= limit)
    return `${standOut}; showing the best ${shown} (--limit N for more)\n`;
  if (weaker > 0)
    return `${standOut}; ${weaker} weaker match${weaker === 1 ? '' : 'es'} below them${options.matches === 'all' ? '' : ' (--strict hides them)'}\n`;
  return `${standOut} (--all shows weaker matches too)\n`;
}

function printHits(
  result: SearchResult,
  options: SearchOptions,
  json: boolean | undefined,
  out: Output,
  err: Output,
): void {
  if (json) {
    const hits = result.hits.map((h) => ({
      path: h.path,
      score: Number(h.score.toFixed(5)),
      takenAt: h.takenAt,
      strong: h.strong,
    }));
    out.write(`${JSON.stringify(hits)}\n`);
  } else {
    const mark = (strong: boolean): string => (strong || result.cutoff === null ? ' ' : '~');
    for (const h of result.hits) out.write(`${h.score.toFixed(3)}${mark(h.strong)} ${h.path}\n`);
  }
  err.write(describeCut(result, options));
}

/** Parses the shared options, opens the library, runs one ranked query and prints it. */
/** Ranks, turning "nothing indexed for this model" into a message that says what to do. */
async function ranked(run: () => Promise<SearchResult>): Promise<SearchResult> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof NothingIndexedError) throw new CliError(`${e.message}: run lumen index`);
    throw e;
  }
}

async function runRanked(
  argv: string[],
  out: Output,
  err: Output,
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
    printHits(
      await ranked(() => rank(new Searcher(library), positionals[0] ?? '', options)),
      options,
      values.json,
      out,
      err,
    );
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
Prints one photo per line, best first: its score, then its path; a ~ after the
score marks a weaker match, shown below the photos that stand out. A last line
on stderr says how many photos stand out and how to see more.
--json prints one array of {path, score, takenAt, strong}.

${FILTER_HELP}
${LIBRARY_HELP}`,
  run: (argv, out, err) =>
    runRanked(argv, out, err, 'query (quote it)', (searcher, query, options) =>
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
Prints one photo per line, best first: its score, then its path; a ~ after the
score marks a weaker match, shown below the photos that stand out. A last line
on stderr says how many photos stand out and how to see more.
--json prints one array of {path, score, takenAt, strong}.

${FILTER_HELP}
${LIBRARY_HELP}`,
  run: (argv, out, err) =>
    runRanked(argv, out, err, 'image', (searcher, image, options) => {
      if (!existsSync(image)) throw usageError(`image not found: ${image}`);
      return searcher.similar(resolve(image), options);
    }),
};
