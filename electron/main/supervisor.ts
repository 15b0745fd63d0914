// Keeps the engine process alive: when it exits unexpectedly it is started again after a delay that
// doubles with each quick failure (so a crash loop does not spin the CPU) and resets once a run has
// lasted a while; after too many failures in a row it gives up and says why. A stop() is a clean
// shutdown: no restart. The spawn function is the caller's (Electron's utilityProcess.fork in the app,
// child_process.fork in tests), so this logic runs and is tested in plain Node.

import { EventEmitter } from 'node:events';

export interface Supervised {
  once(event: 'exit', listener: (code: number | null) => void): unknown;
  kill(): unknown;
}

export interface SupervisorOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A run this long counts as healthy: the next failure starts from the base delay again. */
  healthyAfterMs?: number;
  /** Failures in a row before giving up. */
  maxFailures?: number;
}

export interface SupervisorEvents {
  start: [attempt: number];
  exit: [code: number | null, restartInMs: number | null];
  'give-up': [reason: string];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private child: Supervised | null = null;
  private stopping = false;
  private failures = 0;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly o: Required<SupervisorOptions>;

  constructor(
    private readonly spawn: () => Supervised,
    options: SupervisorOptions = {},
  ) {
    super();
    this.o = { baseDelayMs: 250, maxDelayMs: 30_000, healthyAfterMs: 60_000, maxFailures: 8, ...options };
  }

  get current(): Supervised | null {
    return this.child;
  }

  /** The delay before restart number `failures` (1-based): base, 2x base, 4x base, ... capped. */
  delayFor(failures: number): number {
    return Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.max(0, failures - 1));
  }

  start(): void {
    this.stopping = false;
    this.launch();
  }

  private launch(): void {
    this.timer = null;
    const started = Date.now();
    const child = this.spawn();
    this.child = child;
    this.emit('start', ++this.attempt);
    child.once('exit', (code) => {
      this.child = null;
      if (this.stopping) {
        this.emit('exit', code, null);
        return;
      }
      this.failures = Date.now() - started >= this.o.healthyAfterMs ? 1 : this.failures + 1;
      if (this.failures > this.o.maxFailures) {
        this.emit('exit', code, null);
        this.emit(
          'give-up',
          `the engine stopped ${this.failures} times in a row (last exit code ${String(code)})`,
        );
        return;
      }
      const delay = this.delayFor(this.failures);
      this.emit('exit', code, delay);
      this.timer = setTimeout(() => {
        this.launch();
      }, delay);
    });
  }

  /** Stops the engine without restarting it; resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => {
        resolve();
      });
      child.kill();
    });
  }
}
