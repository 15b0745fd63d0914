// The shape of one CLI subcommand.

export interface Output {
  write(text: string): unknown;
}

export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Resolves to the exit code (see EXIT); throws CliError for usage and user-facing failures. */
  run(argv: string[], out: Output, err: Output): Promise<number>;
}

/** Prints a command's result: the value as one JSON line with --json, else the text. */
export function printer(out: Output, json: boolean | undefined): (value: unknown, text: string) => void {
  return (value, text) => {
    out.write(json ? `${JSON.stringify(value)}\n` : text);
  };
}

/**
 * A signal that Ctrl-C aborts while a long job runs (the job then stops cleanly and the command exits
 * 130); `also` runs too, for jobs cancelled by a method rather than a signal. release() when done.
 */
export function interruptSignal(also?: () => void): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    controller.abort();
    also?.();
  };
  process.once('SIGINT', onSigint);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', onSigint);
    },
  };
}
