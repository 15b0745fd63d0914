// Errors the CLI reports as a one-line message with a stable exit code, never as a stack trace.

import { didYouMean } from './suggest.js';

/** Exit codes scripts can rely on. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT.usage);

/** A missing or misspelt action of a command with actions (tags, albums, ...): what the actions are. */
export function actionError(action: string | undefined, actions: readonly string[]): CliError {
  const list = actions.join(', ');
  if (!action) return usageError(`give an action: ${list}`);
  return usageError(`unknown action "${action}"${didYouMean(action, actions)}; the actions are: ${list}`);
}
