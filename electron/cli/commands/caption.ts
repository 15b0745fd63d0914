// lumen caption: write (or, with an empty text, remove) a photo's caption. Captions are searchable
// context for people and training pairs for fine-tuning.

import { parseArgs } from 'node:util';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, openLibrary, photoIdOf } from '../library-options.js';

export const caption: Command = {
  name: 'caption',
  summary: "set a photo's caption (a training pair for fine-tuning)",
  help: `lumen caption PHOTO "TEXT" [options]

PHOTO is a path or an id. An empty TEXT removes the caption; without TEXT the
current caption is printed.

${LIBRARY_HELP}`,
  async run(argv, out) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: LIBRARY_OPTIONS,
    });
    const [photo, text] = positionals;
    if (!photo || positionals.length > 2)
      throw usageError('give a photo and, to set it, a caption in quotes');
    const library = await openLibrary(values);
    try {
      const id = photoIdOf(library, photo);
      if (text !== undefined) library.tags.setCaption(id, text, 'user');
      const current = library.tags.caption(id) ?? null;
      out.write(
        values.json
          ? `${JSON.stringify({ id, caption: current })}\n`
          : `${current?.text ?? '(no caption)'}\n`,
      );
      return EXIT.ok;
    } finally {
      library.close();
    }
  },
};
