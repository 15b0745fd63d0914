// When the app is idle, the search checks itself (core/library/search-check.ts): once enough queries
// have gone through the graph and no search has come for a while, the recent ones are re-run exactly and
// the graph's ef (or the exact path) is set from what it measured. Quick (a few seconds for 50 queries
// at a million photos) and read-only, so it runs beside indexing; never beside another check. Each idle
// turn first builds what filtered search reads, if it is out of date or not read yet (Searcher.prepare:
// the filter columns, the vectors in memory), so the first filtered search after opening a large
// library or indexing into it does not wait seconds for them.

import { errorMessage } from '../core/clip/errors.js';
import type { Searcher } from '../core/library/search.js';
import type { SearchHealth } from '../core/library/search-check.js';

/** How long after the last search a check waits: the user has stopped searching for now. */
export const CHECK_IDLE_MS = 30_000;

export class SearchChecker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly searcher: Searcher,
    private readonly idleMs = CHECK_IDLE_MS,
    private readonly onChecked: (health: SearchHealth) => void = () => undefined,
    /** A turn that failed (the database gone from under it): said, and the next turn runs as usual. */
    private readonly onFailed: (message: string) => void = (message) => {
      process.stderr.write(`lumen: the idle search check failed: ${message}\n`);
    },
  ) {}

  /** A search has run: (re)start the wait for quiet. */
  searched(): void {
    this.soon();
  }

  /** Something changed what search reads (a library opened, indexing finished): prepare when quiet. */
  soon(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.running
        .then(() => this.check())
        .catch((err: unknown) => {
          this.onFailed(errorMessage(err));
        });
    }, this.idleMs);
    this.timer.unref();
  }

  private async check(): Promise<void> {
    // A function, as closing can come while awaiting.
    const closed = (): boolean => this.closed;
    if (closed()) return;
    await this.searcher.prepare(closed);
    if (closed()) return;
    const health = await this.searcher.checkItself();
    if (health) this.onChecked(health);
  }

  /** Stops waiting and lets a running check finish. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running.catch(() => undefined);
  }
}
