// The lumen command line's dispatcher: plain Node over electron/core, no Electron needed.

import { errorMessage, ImageDecodeError, ModelFolderError, NoProviderError } from '../core/clip/errors.js';
import { DatabaseError } from '../core/library/database.js';
import { LibraryMissingError } from '../core/library/library-records.js';
import { FolderError } from '../core/library/library-folders.js';
import { SearchFilterError } from '../core/library/search.js';
import { AlbumError } from '../core/tags/album-store.js';
import { CategoryError } from '../core/tags/tag-store.js';
import { ModelStoreError } from '../core/models/errors.js';
import { CliError, EXIT } from './cli-error.js';
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
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    err.write(`lumen: unknown command "${name}"\n\n${mainHelp()}`);
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
      err.write(`lumen ${name}: ${errorMessage(e)}\n`);
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
