// Watches the library's folders (chokidar: inotify on Linux, FSEvents on macOS, ReadDirectoryChangesW
// on Windows) and asks for an update of exactly what changed: photos added, changed, renamed, moved or
// deleted reach search and the grid within seconds. Events are gathered until things are quiet for a
// moment (or for at most a few seconds during a long copy), so a camera card of 2,000 photos is a few
// updates in batches with progress, not 2,000. A file is taken only once its size has stopped changing
// (a copy in progress is not read half-way). A library folder that disappears (an unplugged drive) is
// not a deletion: the scan keeps its photos as offline, and the watcher looks for it every few seconds
// and scans it again when it is back. When the system's watch limit is hit (Linux inotify), the
// watcher says so with the fix, and falls back to rescanning every few minutes.

import chokidar, { type FSWatcher } from 'chokidar';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import type { Logger } from '../log.js';
import type { Exclusions } from './exclusions.js';
import { isImagePath, isSkippedFolder } from './folder-scan.js';
import { WRITE_SETTLE_MS } from './library-scan.js';
import type { Library } from './library.js';

/** How much longer than a file's settle time a deletion is held for the add that may pair with it. */
const UNLINK_MARGIN_MS = 500;

export type WatchState =
  | { state: 'starting' | 'watching' | 'stopped'; message: null }
  /** Watching is not possible as asked (the watch limit): rescans every few minutes instead. */
  | { state: 'limited'; message: string };

export interface WatchOptions {
  /** Asks for an update of these paths (files or folders); LibraryUpdater.request in the engine. */
  request: (paths: string[]) => Promise<unknown>;
  /** Quiet time after the last event before an update (default 1000 ms). */
  debounceMs?: number;
  /** Longest wait from the first event of a burst to its update (default 5000 ms). */
  maxWaitMs?: number;
  /** How long a file's size must stay put before it is taken (default WRITE_SETTLE_MS). */
  stabilityMs?: number;
  /** How often an offline folder is looked for (default 5000 ms). */
  pollMs?: number;
  /** The rescan interval when watching is limited (default 5 minutes). */
  fallbackScanMs?: number;
  onState?: (state: WatchState) => void;
  logger?: Logger;
}

/** What the user is told when the system will not watch more folders, with the fix. */
export function watchLimitMessage(err: NodeJS.ErrnoException, platform = process.platform): string | null {
  if (err.code !== 'ENOSPC' && err.code !== 'EMFILE') return null;
  if (platform === 'linux') {
    const current = readLimit('/proc/sys/fs/inotify/max_user_watches');
    return (
      `the system's limit on watched folders is reached (fs.inotify.max_user_watches${current ? ` = ${current}` : ''}), ` +
      'so new photos are found by a rescan every few minutes instead. To watch everything, raise it: ' +
      'echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-lumen.conf && sudo sysctl --system'
    );
  }
  return `the system will not watch more files (${err.code}), so new photos are found by a rescan every few minutes instead; close other programs that watch many files, or raise the open-file limit`;
}

function readLimit(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** The watcher's timings alone (the engine takes them from its options; tests shorten them). */
export type WatchTimings = Omit<WatchOptions, 'request' | 'onState' | 'logger'>;

export class LibraryWatcher {
  private watcher: FSWatcher | null = null;
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private firstEventAt = 0;
  private lastUnlinkAt = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private fallbackTimer: NodeJS.Timeout | null = null;
  private folders: string[] = [];
  private exclusions: Exclusions;
  private closed = false;
  private stateValue: WatchState = { state: 'starting', message: null };

  constructor(
    private readonly library: Library,
    private readonly options: WatchOptions,
  ) {
    this.exclusions = library.exclusions();
  }

  get state(): WatchState {
    return this.stateValue;
  }

  private setState(state: WatchState): void {
    this.stateValue = state;
    this.options.onState?.(state);
  }

  /** Starts watching every library folder; resolves once the watchers are ready. */
  async start(): Promise<void> {
    this.folders = this.library.store.folders().map((f) => f.path);
    if (this.folders.length) await this.watch(this.folders);
    if (this.stateValue.state === 'starting') this.setState({ state: 'watching', message: null });
    this.checkOffline();
  }

  /** Creates the file system watcher (a library with no folders has none yet), or adds to it. */
  private async watch(folders: string[]): Promise<void> {
    if (this.watcher) {
      this.watcher.add(folders);
      return;
    }
    const watcher = chokidar.watch(folders, {
      ignoreInitial: true,
      followSymlinks: true,
      ignored: (path, stats) => this.ignored(path, stats?.isDirectory() ?? false),
      awaitWriteFinish: {
        stabilityThreshold: this.options.stabilityMs ?? WRITE_SETTLE_MS,
        pollInterval: 100,
      },
    });
    this.watcher = watcher;
    const onFile = (path: string): void => {
      if (isImagePath(path)) this.changed(path);
    };
    // A rename is an unlink now and an add once the new name's size has settled: hold the unlink so
    // both reach one scan, which then sees a move and keeps the photo's tags, caption and albums.
    const onGone = (path: string): void => {
      this.lastUnlinkAt = Date.now();
      this.changed(path);
    };
    watcher
      .on('add', onFile)
      .on('change', onFile)
      .on('unlink', (path) => {
        if (isImagePath(path)) onGone(path);
      })
      .on('addDir', (path) => {
        this.changed(path);
      })
      .on('unlinkDir', onGone)
      .on('error', (err) => {
        this.failed(err as NodeJS.ErrnoException);
      });
    await new Promise<void>((done) => watcher.once('ready', done));
  }

  /** Folder names and the user's exclusions, as the scan decides (library-scan.ts). */
  private ignored(path: string, isDir: boolean): boolean {
    const full = resolve(path);
    const folder = this.folders.find((f) => full === f || full.startsWith(f + sep));
    if (!folder || full === folder) return false;
    if (isDir && isSkippedFolder(basename(full))) return true;
    return this.exclusions.excludes(folder, full);
  }

  /** The library's folders or exclusions changed: watch what it has now. */
  refresh(): void {
    this.exclusions = this.library.exclusions();
    const now = this.library.store.folders().map((f) => f.path);
    const gone = this.folders.filter((f) => !now.includes(f));
    const added = now.filter((f) => !this.folders.includes(f));
    this.folders = now;
    if (gone.length) this.watcher?.unwatch(gone);
    if (added.length && !this.closed)
      this.watch(added).catch((err: unknown) => {
        this.failed(err as NodeJS.ErrnoException);
      });
  }

  private changed(path: string): void {
    if (this.closed) return;
    this.dirty.add(path);
    const now = Date.now();
    if (!this.timer) this.firstEventAt = now;
    else clearTimeout(this.timer);
    const wait = Math.min(
      this.options.debounceMs ?? 1000,
      Math.max(0, this.firstEventAt + (this.options.maxWaitMs ?? 5000) - now),
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (this.closed || !this.dirty.size) return;
    const holdUntil = this.lastUnlinkAt + (this.options.stabilityMs ?? WRITE_SETTLE_MS) + UNLINK_MARGIN_MS;
    if (Date.now() < holdUntil) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, holdUntil - Date.now());
      return;
    }
    const paths = [...this.dirty];
    this.dirty.clear();
    void this.options
      .request(paths)
      .catch((err: unknown) => {
        this.options.logger?.warn(`watch update failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.checkOffline();
      });
  }

  /** While a folder is offline, look for it every few seconds; when it is back, watch and scan it. */
  private checkOffline(): void {
    if (this.closed || this.pollTimer) return;
    const offline = this.library.store.offlineFolders().map((f) => f.path);
    if (!offline.length) return;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      const back = offline.filter((f) => {
        try {
          return statSync(f).isDirectory() && readdirSync(f).length > 0;
        } catch {
          return false;
        }
      });
      if (back.length) {
        // The folder's old watch died with it: watch it afresh, then scan it whole.
        this.watcher?.unwatch(back);
        this.watcher?.add(back);
        for (const f of back) this.changed(f);
      }
      this.checkOffline();
    }, this.options.pollMs ?? 5000);
  }

  private failed(err: NodeJS.ErrnoException): void {
    const limit = watchLimitMessage(err);
    if (!limit) {
      this.options.logger?.warn(`watcher: ${err.message}`);
      return;
    }
    if (this.stateValue.state === 'limited') return;
    this.options.logger?.warn(`watcher: ${limit}`);
    this.setState({ state: 'limited', message: limit });
    this.fallbackTimer = setInterval(() => {
      void this.options.request(this.folders).catch(() => undefined);
    }, this.options.fallbackScanMs ?? 300_000);
  }

  /** Stops watching (an update in progress is the updater's to finish or cancel). */
  async close(): Promise<void> {
    this.closed = true;
    for (const t of [this.timer, this.pollTimer]) if (t) clearTimeout(t);
    if (this.fallbackTimer) clearInterval(this.fallbackTimer);
    await this.watcher?.close();
    this.setState({ state: 'stopped', message: null });
  }
}
