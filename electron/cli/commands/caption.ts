// lumen caption: write (or, with an empty text, remove) photos' captions: one photo, several with
// one text, or a CSV of path,caption rows from a spreadsheet, in one transaction. Captions are
// searchable context for people and training pairs for fine-tuning. Needs no model.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseCaptionCsv } from '../../core/tags/caption-csv.js';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { LIBRARY_HELP, LIBRARY_OPTIONS, photoIdOf, withLibraryForReading } from '../library-options.js';
import { plural } from '../words.js';

export const caption: Command = {
  name: 'caption',
  summary: "set photos' captions (training pairs for fine-tuning)",
  help: `lumen caption PHOTO "TEXT" [options]
lumen caption PHOTO [PHOTO...] --text "TEXT" [options]
lumen caption --csv FILE [options]

PHOTO is a path or an id. An empty TEXT removes the caption; without TEXT the
current caption is printed.

  --text TEXT          give every PHOTO this caption
  --csv FILE           rows of path,caption (a spreadsheet saved as CSV; a first
                       row "path,caption" is skipped; quote a caption with commas).
                       Relative paths are from the CSV's folder; FILE "-" reads
                       standard input (paths from the current folder). Every row
                       is checked first: one bad row and nothing is written.

${LIBRARY_HELP}`,
  async run(argv, out, err) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...LIBRARY_OPTIONS, text: { type: 'string' }, csv: { type: 'string' } },
    });
    if (values.csv !== undefined && (positionals.length || values.text !== undefined))
      throw usageError('give either --csv FILE or photos, not both');
    if (values.csv === undefined && !positionals.length)
      throw usageError('give a photo and, to set it, a caption in quotes (or --csv FILE)');
    if (values.csv === undefined && values.text === undefined && positionals.length > 2)
      throw usageError('to caption several photos, give the caption with --text "TEXT"');
    return withLibraryForReading(values, (library) => {
      // One photo, printed or set the way it always was.
      if (values.csv === undefined && values.text === undefined) {
        const [photo = '', text] = positionals;
        const id = photoIdOf(library, photo);
        if (text !== undefined) library.tags.setCaption(id, text, 'user');
        const current = library.tags.caption(id) ?? null;
        out.write(
          values.json
            ? `${JSON.stringify({ id, caption: current })}\n`
            : `${current?.text ?? '(no caption)'}\n`,
        );
        return EXIT.ok;
      }
      const wanted =
        values.csv !== undefined
          ? csvRows(values.csv)
          : positionals.map((photo) => ({ where: photo, photo, text: values.text ?? '' }));
      const problems: string[] = [];
      const entries: { photoId: number; text: string }[] = [];
      for (const w of wanted) {
        try {
          entries.push({ photoId: photoIdOf(library, w.photo), text: w.text });
        } catch (e) {
          problems.push(`${w.where}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (problems.length) {
        for (const p of problems) err.write(`${p}\n`);
        throw usageError(`nothing written: ${plural(problems.length, 'photo')} not found`);
      }
      library.tags.setCaptions(entries);
      const removed = entries.filter((e) => !e.text.trim()).length;
      const set = entries.length - removed;
      out.write(
        values.json
          ? `${JSON.stringify({ captioned: set, removed })}\n`
          : `captioned ${plural(set, 'photo')}${removed ? `, removed ${plural(removed, 'caption')}` : ''}\n`,
      );
      return EXIT.ok;
    });
  },
};

/** The rows of a captions CSV, each with where it is for messages; a malformed file throws. */
function csvRows(file: string): { where: string; photo: string; text: string }[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw usageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const { rows, errors } = parseCaptionCsv(text);
  if (errors.length) throw usageError(`${file}: ${errors.join(`\n${file}: `)}`);
  if (!rows.length) throw usageError(`${file}: no rows of path,caption`);
  const base = file === '-' ? process.cwd() : dirname(resolve(file));
  return rows.map((r) => ({
    where: `${file === '-' ? 'stdin' : file}: line ${r.line}`,
    photo: /^\d+$/.test(r.path) || isAbsolute(r.path) ? r.path : resolve(base, r.path),
    text: r.caption,
  }));
}
