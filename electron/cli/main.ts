// The lumen command line's dispatcher: plain Node over electron/core, no Electron needed.

import { errorMessage, ImageDecodeError, ModelFolderError, NoProviderError } from '../core/clip/errors.js';
import { DatabaseError } from '../core/library/database.js';
import { LibraryMissingError } from '../core/library/library-records.js';
import { FolderError } from '../core/library/library-folders.js';
import { SearchFilterError } from '../core/library/search.js';
import { AlbumError } from '../core/tags/album-store.js';
import { CategoryError } from '../core/tags/tag-store.js';
import { ModelStoreError } from '../core/models/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../core/package-root.js';
import { CliError, EXIT } from './cli-error.js';
import { closest, didYouMean } from './suggest.js';
import type { Command, Output } from './command.js';
import { classify } from './commands/classify.js';
import { embed } from './commands/embed.js';
import { duplicates } from './commands/duplicates.js';
import { index } from './commands/index.js';
import { info } from './commands/info.js';
import { search, similar } from './commands/search.js';
import { status } from './commands/status.js';
import { albums } from './commands/albums.js';
import { caption } from './commands/caption.js';
import { finetune } from './commands/finetune.js';
import { models } from './commands/models.js';
import { serve } from './commands/serve.js';
import { settings } from './commands/settings.js';
import { tags } from './commands/tags.js';
import { watch } from './commands/watch.js';

const COMMANDS: Command[] = [
  index,
  watch,
  status,
  search,
  similar,
  duplicates,
  tags,
  albums,
  caption,
  finetune,
  models,
  settings,
  serve,
  classify,
  embed,
  info,
];

/** The version in package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/**
 * An option parseArgs refused, in Lumen's words: the option, what is wrong with it, the nearest option
 * the command has (from its help), and where to see them all.
 */
function optionError(e: unknown, command: Command): string {
  const message = errorMessage(e);
  const code = (e as { code?: string }).code;
  const option = /'(-{1,2}[^'\s]+)/.exec(message)?.[1];
  const known = [...new Set(command.help.match(/--[a-z][a-z-]*/g) ?? [])];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option)
    return `unknown option ${option}${didYouMean(option, known)}; see lumen ${command.name} --help`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option)
    return /does not take an argument/.test(message)
      ? `${option} takes no value; see lumen ${command.name} --help`
      : `${option} needs a value (one starting with a dash: ${option}=-VALUE); see lumen ${command.name} --help`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return `too many arguments (${/'([^']*)'/.exec(message)?.[1] ?? '?'} was not expected); see lumen ${command.name} --help`;
  return message;
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `lumen: photo search that understands pictures, on your own machine

usage: lumen <command> [options]      (lumen <command> --help for its options)

${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}
`;
}

export async function main(
  argv: string[],
  out: Output = process.stdout,
  err: Output = process.stderr,
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    out.write(mainHelp());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    out.write(`lumen ${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const names = COMMANDS.map((c) => c.name);
    const guess = closest(name, names);
    err.write(
      guess
        ? `lumen: unknown command "${name}" (did you mean "${guess}"?)\n`
        : `lumen: unknown command "${name}"\n\n${mainHelp()}`,
    );
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out.write(`${command.help}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, out, err);
  } catch (e) {
    if (e instanceof CliError) {
      err.write(`lumen ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    // Node's parseArgs rejects unknown options with a TypeError carrying this code.
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err.write(`lumen ${name}: ${optionError(e, command)}\n`);
      return EXIT.usage;
    }
    if (
      e instanceof SearchFilterError ||
      e instanceof FolderError ||
      e instanceof CategoryError ||
      e instanceof AlbumError ||
      e instanceof ModelStoreError ||
      e instanceof LibraryMissingError
    ) {
      err.write(`lumen ${name}: ${e.message}\n`);
      return EXIT.usage;
    }
    const known =
      e instanceof ModelFolderError ||
      e instanceof ImageDecodeError ||
      e instanceof NoProviderError ||
      e instanceof DatabaseError;
    err.write(
      `lumen ${name}: ${known ? errorMessage(e) : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return EXIT.failure;
  }
}
