// Runs library updates (library-update.ts) one at a time for a long-lived library: the engine's
// index.start and the folder watcher both ask here. What is asked while an update runs is merged into
// the next one (paths add up; a request for everything covers them all), so a burst of changes is a
// few runs, never one per file. Other work on the library's folders (a model switch's scan) runs
// between updates, never beside one. Pause and resume hold across runs; cancel stops the current run
// and drops what was waiting.

import { WRITE_SETTLE_MS } from './library-scan.js';
import {
  updateLibrary,
  type LibraryUpdate,
  type UpdateOptions,
  type UpdateReport,
} from './library-update.js';
import type { Library } from './library.js';

export type UpdaterOptions = Omit<UpdateOptions, 'paths' | 'scan' | 'settleMs'> & {
  /**
   * For runs limited to paths (the watcher's): files written more recently wait for their own event
   * (default WRITE_SETTLE_MS, library-scan.ts).
   */
  settleMs?: number;
  /** A run starts: `full` when it covers every folder. */
  onStart?: (full: boolean) => void;
  onDone?: (report: UpdateReport, full: boolean) => void;
  onError?: (err: unknown) => void;
};

interface Queued {
  /** null: every folder. */
  paths: Set<string> | null;
  resolve: (r: UpdateReport) => void;
  reject: (e: unknown) => void;
  promise: Promise<UpdateReport>;
}

function queued(paths: Set<string> | null): Queued {
  let resolve!: (r: UpdateReport) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<UpdateReport>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may ignore the outcome (the watcher does; onError hears of failures).
  promise.catch(() => undefined);
  return { paths, resolve, reject, promise };
}

export class LibraryUpdater {
  private current: { update: LibraryUpdate; full: boolean } | null = null;
  private next: Queued | null = null;
  private readonly tasks: { run: () => Promise<void>; reject: (e: unknown) => void }[] = [];
  private taskRunning = false;
  private paused = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly library: Library,
    private readonly options: UpdaterOptions = {},
  ) {}

  /** Whether a run covering every folder is running or waiting (index.start then has nothing to add). */
  get fullPending(): boolean {
    return (this.current?.full ?? false) || (this.next !== null && this.next.paths === null);
  }

  get busy(): boolean {
    return this.current !== null || this.next !== null || this.taskRunning || this.tasks.length > 0;
  }

  /** Runs `task` when no update is running, before the next one starts (a model switch's scan). */
  between<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the library is closing'));
    return new Promise<T>((resolve, reject) => {
      this.tasks.push({ run: () => task().then(resolve, reject), reject });
      this.pump();
    });
  }

  /** Brings the given paths (default: every folder) up to date, after the run in progress. */
  request(paths?: readonly string[]): Promise<UpdateReport> {
    if (this.closed) return Promise.reject(new Error('the library is closing'));
    if (!this.next) this.next = queued(paths ? new Set(paths) : null);
    else if (!paths) this.next.paths = null;
    else if (this.next.paths) for (const p of paths) this.next.paths.add(p);
    const { promise } = this.next;
    this.pump();
    return promise;
  }

  pause(): void {
    this.paused = true;
    this.current?.update.pause();
  }

  resume(): void {
    this.paused = false;
    this.current?.update.resume();
  }

  cancel(): void {
    const waiting = this.next;
    this.next = null;
    this.current?.update.cancel();
    waiting?.reject(new Error('cancelled'));
  }

  /** Cancels and waits for the run in progress; work waiting to run between updates is refused. */
  async close(): Promise<void> {
    this.closed = true;
    this.cancel();
    for (const t of this.tasks.splice(0)) t.reject(new Error('the library is closing'));
    await this.idle;
  }

  private pump(): void {
    if (this.current || this.taskRunning || this.closed) return;
    const task = this.tasks.shift();
    if (task) {
      this.taskRunning = true;
      this.idle = task.run().finally(() => {
        this.taskRunning = false;
        this.pump();
      });
      return;
    }
    if (!this.next) return;
    const job = this.next;
    this.next = null;
    const full = job.paths === null;
    const { settleMs = WRITE_SETTLE_MS, onStart, onDone, onError, ...options } = this.options;
    const update = updateLibrary(this.library, {
      ...options,
      ...(job.paths && { paths: [...job.paths], settleMs }),
    });
    if (this.paused) update.pause();
    this.current = { update, full };
    onStart?.(full);
    this.idle = update.done.then(
      (report) => {
        this.current = null;
        job.resolve(report);
        onDone?.(report, full);
        this.pump();
      },
      (err: unknown) => {
        this.current = null;
        job.reject(err);
        onError?.(err);
        this.pump();
      },
    );
  }
}
