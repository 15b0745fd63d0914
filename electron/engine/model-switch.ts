// A model switch in progress (models.use with a library open): the folders are rescanned through the
// current engine, the new model's Library is opened beside the current one on the same database (a
// second SQLite connection; WAL lets both read while either writes, and the busy timeout covers their
// short write transactions), and every photo without an embedding for the new model is indexed in the
// background. Meanwhile the engine host keeps answering from the current engine; when `ready` resolves
// with the indexed library, the host swaps it in. Progress goes out as models.switch events.

import type { IndexJob, IndexJobOptions } from '../core/library/index-job.js';
import type { Library } from '../core/library/library.js';
import type { ModelChoice } from '../core/models/installed.js';
import type { EventData } from '../shared/api.js';

export type SwitchEvent = EventData<'models.switch'>;

export interface ModelSwitchOptions {
  /** The model's id, as models.use named it. */
  id: string;
  choice: ModelChoice;
  /** Opens the library on a model (as the host opens every library). */
  open: (choice: ModelChoice) => Promise<Library>;
  /** Rescans the folders through the current engine, so its index forgets removed photos too. */
  scan: () => Promise<unknown>;
  emit: (data: SwitchEvent) => void;
  /** Minimum time between two 'indexing' events (default 100 ms). */
  progressIntervalMs?: number;
  /** Passed to the index job (batch size; a hook per batch, for tests). */
  job?: Pick<IndexJobOptions, 'batchSize' | 'onBatch'>;
}

/** Photos added while a round ran are indexed in another; a few rounds at most. */
const MAX_ROUNDS = 4;

export class ModelSwitch {
  /** The new model's library with every photo indexed for it; null when cancelled. Rejects on failure. */
  readonly ready: Promise<Library | null>;
  private cancelled = false;
  private readonly abort = new AbortController();
  private job: IndexJob | null = null;
  private last: SwitchEvent;
  private sentAt = 0;

  constructor(private readonly options: ModelSwitchOptions) {
    this.last = {
      id: options.id,
      state: 'indexing',
      done: 0,
      total: 0,
      photosPerSecond: 0,
      etaSeconds: null,
      error: null,
    };
    this.ready = this.run();
  }

  get id(): string {
    return this.options.id;
  }

  get choice(): ModelChoice {
    return this.options.choice;
  }

  /** What app.state reports. */
  get progress(): { id: string; done: number; total: number } {
    return { id: this.options.id, done: this.last.done, total: this.last.total };
  }

  /** Whether cancel() was called (a method, so checks after an await are not narrowed away). */
  private stopped(): boolean {
    return this.cancelled;
  }

  /** Stops between batches; `ready` then resolves with null and the library opened for it is closed. */
  cancel(): void {
    this.cancelled = true;
    this.abort.abort(new Error('cancelled'));
    this.job?.cancel();
  }

  /** The last event: 'done' once the host has swapped, 'cancelled' or 'failed' with the error. */
  end(state: Exclude<SwitchEvent['state'], 'indexing'>, error: string | null = null): void {
    this.send({ state, error, ...(state === 'done' && { done: this.last.total, etaSeconds: 0 }) }, true);
  }

  private send(change: Partial<SwitchEvent>, force = false): void {
    const next = { ...this.last, ...change };
    const changed = next.state !== this.last.state;
    this.last = next;
    const now = Date.now();
    if (!force && !changed && now - this.sentAt < (this.options.progressIntervalMs ?? 100)) return;
    this.sentAt = now;
    this.options.emit(next);
  }

  private async run(): Promise<Library | null> {
    this.send({}, true);
    await this.options.scan();
    if (this.stopped()) return null;
    const library = await this.options.open(this.options.choice);
    try {
      let base = 0;
      for (let round = 0; round < MAX_ROUNDS && !this.stopped(); round++) {
        const { job, ids } = library.indexJob({
          ...this.options.job,
          onProgress: (p) => {
            this.send({
              done: base + p.done,
              total: base + p.total,
              photosPerSecond: p.photosPerSecond,
              etaSeconds: p.etaSeconds,
            });
          },
        });
        if (!ids.length) break;
        this.job = job;
        this.send({ total: base + ids.length });
        const result = await job.run(ids);
        this.job = null;
        // The round's last progress may have fallen inside the throttle interval; send it now, so
        // listeners always see where the round ended (a fast round once sent no progress at all).
        this.send({}, true);
        if (result.state !== 'finished') break;
        base += result.done;
        // The new model's own tags (categories are calibrated per model), as after any indexing.
        await library.refreshTags(result.indexed, this.abort.signal);
      }
      if (this.stopped()) {
        library.close();
        return null;
      }
      return library;
    } catch (err) {
      library.close();
      if (this.stopped()) return null;
      throw err;
    }
  }
}
