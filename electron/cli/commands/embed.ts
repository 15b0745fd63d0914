// lumen embed: print the L2-normalised embeddings of texts and images.

import { parseArgs } from 'node:util';
import { EXIT, usageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { ensureModel } from '../first-run.js';
import { MODEL_HELP, MODEL_OPTIONS, openModel } from '../model-options.js';

export const embed: Command = {
  name: 'embed',
  summary: 'print embeddings of texts and images',
  help: `lumen embed [--text TEXT]... [--image FILE]... [options]

Prints one line per input: its kind, the input and its embedding, or with --json
one array of {kind, input, embedding} (or {kind, input, error} for an image that
could not be read; the exit code is then 1).

${MODEL_HELP}
  --json               print one JSON array`,
  async run(argv, out) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...MODEL_OPTIONS,
        text: { type: 'string', multiple: true },
        image: { type: 'string', multiple: true },
        json: { type: 'boolean' },
      },
    });
    const texts = values.text ?? [];
    const images = values.image ?? [];
    if (texts.length + images.length === 0) throw usageError('nothing to embed: give --text or --image');
    await ensureModel(values);
    const model = openModel(values);
    try {
      const rows: { kind: 'text' | 'image'; input: string; embedding?: number[]; error?: string }[] = [];
      for (const [i, e] of (await model.encodeTexts(texts)).entries())
        rows.push({ kind: 'text', input: texts[i] ?? '', embedding: Array.from(e) });
      for (const [i, r] of (await model.encodeImagesSettled(images)).entries()) {
        const input = images[i] ?? '';
        rows.push(
          r.ok
            ? { kind: 'image', input, embedding: Array.from(r.embedding) }
            : { kind: 'image', input, error: r.error },
        );
      }
      if (values.json) out.write(`${JSON.stringify(rows)}\n`);
      else
        for (const r of rows)
          out.write(
            `${r.kind}\t${r.input}\t${r.error ? `error: ${r.error}` : (r.embedding ?? []).map((x) => x.toFixed(6)).join(' ')}\n`,
          );
      const failed = rows.filter((r) => r.error);
      return failed.length ? EXIT.failure : EXIT.ok;
    } finally {
      await model.dispose();
    }
  },
};
