// lumen similar: photos like a given image (a library photo or any image file).

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Searcher } from '../../core/library/search.js';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import {
  FILTER_HELP,
  FILTER_OPTIONS,
  LIBRARY_HELP,
  LIBRARY_OPTIONS,
  openLibrary,
  searchOptions,
} from '../library-options.js';
import { printHits } from './search.js';

export const similar: Command = {
  name: 'similar',
  summary: 'find photos similar to an image',
  help: `lumen similar IMAGE [options]

IMAGE is a photo in the library or any image file; the photo itself is left out.

${FILTER_HELP}
${LIBRARY_HELP}`,
  async run(argv, out) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...LIBRARY_OPTIONS, ...FILTER_OPTIONS },
    });
    if (positionals.length !== 1) throw usageError('give one image');
    const image = resolve(positionals[0] ?? '');
    if (!existsSync(image)) throw usageError(`image not found: ${positionals[0] ?? ''}`);
    const options = searchOptions(values);
    const library = openLibrary(values);
    try {
      printHits(await new Searcher(library).similar(image, options), values.json, out);
      return EXIT.ok;
    } finally {
      library.close();
    }
  },
};
