// Watches the library's folders while the engine runs: any image file added, changed, moved or deleted
// triggers, after a short quiet period, a scan and indexing of what changed. Runs never overlap; events
// during a run schedule one more.

import chokidar, { type FSWatcher } from 'chokidar';
import { basename } from 'node:path';
import type { Logger } from '../log.js';
import { isImagePath, isSkippedFolder } from './folder-scan.js';
import type { IndexProgress } from './index-job.js';
import type { Library, ScanSummary } from './library.js';

export interface WatchOptions {
  /** Quiet period after the last event before a run (default 1000 ms). */
  debounceMs?: number;
  logger?: Logger;
  onRun?: (result: { scan: ScanSummary; index: IndexProgress }) => void;
}

export class LibraryWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(
    private readonly library: Library,
    private readonly options: WatchOptions = {},
  ) {}

  /** Starts watching every library folder; resolves once the watchers are ready. */
  async start(): Promise<void> {
    const folders = this.library.store.folders().map((f) => f.path);
    this.watcher = chokidar.watch(folders, {
      ignoreInitial: true,
      followSymlinks: true,
      // Skip hidden and system folders as the scanner does; files are filtered in the handler.
      ignored: (path, stats) =>
        (stats?.isDirectory() ?? false) && isSkippedFolder(basename(path)) && !folders.includes(path),
      awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 100 },
    });
    const onFile = (path: string): void => {
      if (isImagePath(path)) this.schedule();
    };
    this.watcher
      .on('add', onFile)
      .on('change', onFile)
      .on('unlink', onFile)
      .on('unlinkDir', () => {
        this.schedule();
      });
    this.watcher.on('error', (err) => {
      this.options.logger?.warn(`watcher: ${(err as Error).message}`);
    });
    await new Promise<void>((resolve) =>
      this.watcher?.once('ready', () => {
        resolve();
      }),
    );
  }

  /** Adds a folder the library gained after start(). */
  add(folder: string): void {
    this.watcher?.add(folder);
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, this.options.debounceMs ?? 1000);
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const scan = await this.library.scan();
        const { job, ids } = this.library.indexJob();
        const index = await job.run(ids);
        this.options.onRun?.({ scan, index });
      } while (this.wantsAnotherRun());
    })().catch((err: unknown) => {
      this.options.logger?.warn(`watch run failed: ${(err as Error).message}`);
    });
    await this.running;
    this.running = null;
  }

  /** Events arrived during the run just finished (read through a method: they come from callbacks). */
  private wantsAnotherRun(): boolean {
    return this.again && !this.closed;
  }

  /** Stops watching and waits for a run in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    await this.running;
  }
}
