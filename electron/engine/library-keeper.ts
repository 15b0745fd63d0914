// Keeps the engine's library current: index.start and folder watching both go through one
// LibraryUpdater (core), so updates never overlap and everything is done by the same use case as
// `lumen index` (core's library-update.ts). Watching is on unless the library's `watch` setting is off
// (settings.set switches it at once); when it starts, what changed while nobody watched is caught up
// with by one full update. The UI hears of changes through library.changed, of indexing through
// index.progress and of tagging and sidecars through tags.progress. A watcher-driven update that
// changed nothing stays silent.

import type { ScanSummary } from '../core/library/library-scan.js';
import type { UpdateReport } from '../core/library/library-update.js';
import { LibraryUpdater } from '../core/library/library-updater.js';
import { LibraryWatcher, type WatchState } from '../core/library/library-watcher.js';
import type { HandlerContext } from './handlers/context.js';

const changed = (s: ScanSummary): boolean =>
  s.added + s.changed + s.moved + s.removed + s.returned.length + s.wentOffline.length > 0;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class LibraryKeeper {
  private readonly updater: LibraryUpdater;
  private watcher: LibraryWatcher | null = null;
  private starting: Promise<void> = Promise.resolve();
  private state: WatchState = { state: 'stopped', message: null };
  private scanning: Promise<ScanSummary> | null = null;
  /** The exclusions in force (null before the settings were first read). */
  private exclude: string[] | null = null;
  private closed = false;

  constructor(private readonly ctx: HandlerContext) {
    const { emit } = ctx;
    let full = false;
    this.updater = new LibraryUpdater(ctx.library, {
      onStart: (isFull) => {
        full = isFull;
      },
      onScan: (scan) => {
        if (full || changed(scan)) emit('library.changed', { reason: 'scan' });
      },
      onProgress: (p) => {
        emit('index.progress', p);
      },
      onTagProgress: (p) => {
        emit('tags.progress', p);
      },
      job: {
        onBatch: () => {
          emit('library.changed', { reason: 'indexed' });
        },
      },
      onDone: (report: UpdateReport, isFull) => {
        if (isFull || changed(report.scan) || report.indexed + report.failed > 0)
          emit('library.changed', { reason: 'index finished' });
      },
      onError: (err) => {
        emit('library.changed', { reason: `index failed: ${message(err)}` });
      },
    });
    this.settingsChanged();
  }

  /** Whether watching is on, and why it is limited if it is. */
  get watchState(): WatchState {
    return this.state;
  }

  /** Resolves once watching has started (or stopped) as the settings say. */
  ready(): Promise<void> {
    return this.starting;
  }

  /** index.start: brings every folder up to date; false when such an update is already under way. */
  start(): boolean {
    if (this.updater.fullPending) return false;
    void this.updater.request().catch(() => undefined);
    return true;
  }

  pause(): void {
    this.updater.pause();
  }

  resume(): void {
    this.updater.resume();
  }

  cancel(): void {
    this.updater.cancel();
  }

  /**
   * A scan alone (a model switch's first step), between updates so two scans never race; shared by
   * callers asking together.
   */
  scan(): Promise<ScanSummary> {
    this.scanning ??= this.updater
      .between(() => this.ctx.library.scan())
      .then((summary) => {
        this.ctx.emit('library.changed', { reason: 'scan' });
        return summary;
      })
      .finally(() => {
        this.scanning = null;
      });
    return this.scanning;
  }

  /** Folders were added or removed: watch what the library has now. */
  foldersChanged(): void {
    this.watcher?.refresh();
  }

  /**
   * After settings.set: watching starts or stops as the watch setting says; changed exclusions are
   * applied to the whole library at once (photos newly left out leave it, those let back in come in).
   */
  settingsChanged(): void {
    const { watch, exclude } = this.ctx.library.settings.get();
    const excludeChanged = this.exclude !== null && exclude.join('\n') !== this.exclude.join('\n');
    this.exclude = exclude;
    this.starting = this.starting.then(async () => {
      if (this.closed) return;
      if (watch && !this.watcher) await this.startWatching();
      else if (!watch && this.watcher) await this.stopWatching();
      else this.watcher?.refresh();
      if (excludeChanged) this.start();
    });
  }

  private async startWatching(): Promise<void> {
    const watcher = new LibraryWatcher(this.ctx.library, {
      ...this.ctx.options.watch,
      request: (paths) => this.updater.request(paths),
      onState: (s) => {
        this.state = s;
        if (s.state === 'limited') this.ctx.emit('library.changed', { reason: 'watch limited' });
      },
    });
    this.watcher = watcher;
    try {
      await watcher.start();
    } catch (err) {
      this.watcher = null;
      this.state = { state: 'limited', message: `folders cannot be watched: ${message(err)}` };
    }
    // What changed while nobody watched (the app closed, watching off, another model in use) is
    // caught up with once, as digiKam does at start.
    if (this.ctx.library.store.folders().length) this.start();
  }

  private async stopWatching(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = null;
    await watcher?.close();
    this.state = { state: 'stopped', message: null };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting;
    await this.stopWatching();
    await Promise.all([this.updater.close(), this.scanning?.catch(() => undefined)]);
  }
}
