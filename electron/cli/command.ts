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
