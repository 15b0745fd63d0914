// The CLI's first run: a command that needs a model, started on a terminal with none installed,
// offers the catalogue's default (its size and where it comes from) and downloads it with a progress
// bar, instead of only failing. Off a terminal (scripts, pipes, CI) nothing is asked: the command fails
// with the usual "no model yet" message, so automation never hangs on a prompt.

import { createInterface } from 'node:readline';
import {
  defaultModel,
  defaultVariant,
  describeDownload,
  downloadSize,
  loadCatalogue,
} from '../core/models/catalogue.js';
import type { Output } from './command.js';
import { downloadWithProgress, mb } from './model-download.js';
import { configuredModel, type ModelValues } from './model-options.js';

export interface Terminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  err: Output & { isTTY?: boolean };
}

/** Writes the prompt and resolves with the first line typed; end of input (Ctrl-D) counts as no. */
function question(term: Terminal, prompt: string): Promise<string> {
  term.err.write(prompt);
  const rl = createInterface({ input: term.input, terminal: false });
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve('n');
    });
  });
}

/** Asks to download the default model; true when one was installed. */
export async function offerFirstModel(
  term: Terminal,
  options: { root?: string; hubUrl?: string; catalogueFile?: string } = {},
): Promise<boolean> {
  if (!term.input.isTTY || !term.err.isTTY) return false;
  const entry = defaultModel(loadCatalogue(options.catalogueFile));
  const variant = defaultVariant(entry);
  const size = downloadSize(entry, variant);
  const answer = await question(
    term,
    `Lumen has no model yet. The default is ${entry.name} (${describeDownload(entry, variant)}, ${size.exact ? '' : 'about '}${mb(size.bytes)}, ${entry.license}) from ${entry.repo} on Hugging Face.\nDownload it now? [Y/n] `,
  );
  if (!/^\s*(y|yes)?\s*$/i.test(answer)) {
    term.err.write('No model downloaded. Run "lumen models download" when you are ready.\n');
    return false;
  }
  const { root, hubUrl } = options;
  const result = await downloadWithProgress(entry, variant, term.err, {
    ...(root && { root }),
    ...(hubUrl && { hubUrl }),
  });
  term.err.write(`Installed ${result.id} (${describeDownload(entry, variant)}).\n`);
  return true;
}

/** Before a command opens a model: on a first run on a terminal, offer the default one. */
export async function ensureModel(
  values: ModelValues,
  term: Terminal = { input: process.stdin, err: process.stderr },
): Promise<void> {
  if (configuredModel(values) !== null) return;
  await offerFirstModel(term);
}
