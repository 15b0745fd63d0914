// The one logging interface core modules accept; hosts (CLI, engine process, tests) decide where it goes.

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

/** Warnings to stderr, the rest dropped: the default when a caller passes no logger. */
export const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => {
    process.stderr.write(`lumen: ${message}\n`);
  },
};

/** Keeps every line, for tests and for the status screen's "what happened" list. */
export class MemoryLogger implements Logger {
  readonly lines: { level: 'debug' | 'info' | 'warn'; message: string }[] = [];
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
}
