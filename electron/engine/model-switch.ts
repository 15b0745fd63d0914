// A model switch in progress (models.use with a library open): the new model's Library is opened beside
// the current one on the same database (a second SQLite connection; WAL lets both read while either
// writes, and the busy timeout covers their short write transactions) and brought up to date by the
// same use case as every other path (core's updateLibrary), with the folders rescanned through the
// current engine so its index forgets removed photos too: every photo without an embedding for the new
// model is indexed and tagged in the background, sidecars as the settings say. Meanwhile the engine host
// keeps answering from the current engine; when `ready` resolves with the indexed library, the host
// swaps it in. Progress goes out as models.switch events.

import type { IndexJobOptions } from '../core/library/index-job.js';
import { updateLibrary, type LibraryUpdate } from '../core/library/library-update.js';
import type { Library, ScanSummary } from '../core/library/library.js';
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
  scan: () => Promise<ScanSummary>;
  emit: (data: SwitchEvent) => void;
  /** Minimum time between two 'indexing' events (default 100 ms). */
  progressIntervalMs?: number;
  /** Passed to the index job (batch size; a hook per batch, for tests). */
  job?: Pick<IndexJobOptions, 'batchSize' | 'onBatch'>;
}

export class ModelSwitch {
  /** The new model's library with every photo indexed for it; null when cancelled. Rejects on failure. */
  readonly ready: Promise<Library | null>;
  private cancelled = false;
  private update: LibraryUpdate | null = null;
  /** Some indexing progress was reported (so the last of it is sent when indexing ends). */
  private indexed = false;
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
    this.update?.cancel();
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
    if (this.stopped()) return null;
    const library = await this.options.open(this.options.choice);
    try {
      if (this.stopped()) {
        library.close();
        return null;
      }
      const update = updateLibrary(library, {
        scan: () => this.options.scan(),
        ...(this.options.job && { job: this.options.job }),
        onProgress: (p) => {
          this.indexed = true;
          this.send({
            done: p.done,
            total: p.total,
            photosPerSecond: p.photosPerSecond,
            etaSeconds: p.etaSeconds,
          });
        },
      });
      this.update = update;
      await update.done;
      // The last progress may have fallen inside the throttle interval; send it now, so listeners
      // always see where indexing ended (a fast one once sent no progress at all).
      if (this.indexed) this.send({}, true);
      if (this.stopped()) {
        library.close();
        return null;
      }
      return library;
    } catch (err) {
      library.close();
      if (this.stopped()) return null;
      throw err;
    } finally {
      this.update = null;
    }
  }
}
