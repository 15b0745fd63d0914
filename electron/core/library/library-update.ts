// Bringing a library up to date: the one use case behind `lumen index`, `lumen watch`, the engine's
// index.start and folder watching (app and `lumen serve`), and a model switch. In order: a scan with
// move detection (every folder, or only the paths the watcher saw change), indexing of every photo
// pending for the model (in rounds, so photos that arrive meanwhile are not left behind), tagging
// (new photos are tagged live as they are indexed; a large change recalibrates every category), and
// XMP sidecars for what was tagged when the library's xmpSidecars setting is on. Pause and resume act
// on indexing; cancel stops at the next step or batch and leaves everything consistent.
// LibraryUpdater runs these one at a time and merges what is asked meanwhile into the next run.

import type { SidecarExportReport } from '../tags/sidecar-export.js';
import { writeSidecarsIfWanted, type TagPhaseProgress } from '../tags/tag-library.js';
import type { TagRunReport } from '../tags/tagger.js';
import type { IndexJob, IndexJobOptions, IndexProgress } from './index-job.js';
import { emptySummary, type ScanSummary } from './library-scan.js';
import type { Library } from './library.js';

/** Photos added while a round ran are indexed in another; a few rounds at most. */
const MAX_ROUNDS = 4;

export interface UpdateOptions {
  /** Only these paths are compared with the disk (what the watcher saw); default every folder whole. */
  paths?: readonly string[];
  /** Files written more recently than this are left for a later run (library-scan.ts). */
  settleMs?: number;
  /** The scan to run instead of the library's own (a model switch scans through the engine in use). */
  scan?: (signal: AbortSignal) => Promise<ScanSummary>;
  /** Told once the scan is done (the UI refetches). */
  onScan?: (summary: ScanSummary) => void;
  /** Indexing progress; done and total run across rounds. */
  onProgress?: (p: IndexProgress) => void;
  /** Tagging's phases and sidecars. */
  onTagProgress?: (p: TagPhaseProgress) => void;
  /** The index job's batch size and a hook per saved batch (live updates of the grid). */
  job?: Pick<IndexJobOptions, 'batchSize' | 'onBatch'>;
}

export interface UpdateReport {
  scan: ScanSummary;
  state: 'finished' | 'cancelled';
  indexed: number;
  failed: number;
  /** The photos this run could not read, and why. */
  failures: { path: string; error: string }[];
  /** The photos this run indexed from a damaged file, and what is wrong with each. */
  damaged: { path: string; error: string }[];
  photosPerSecond: number;
  /** A full re-tag (the library grew by a tenth, or categories were never calibrated); null: none. */
  tags: TagRunReport | null;
  sidecars: SidecarExportReport | null;
}

class Cancelled extends Error {}

export class LibraryUpdate {
  readonly done: Promise<UpdateReport>;
  private readonly abort = new AbortController();
  private job: IndexJob | null = null;
  private paused = false;

  constructor(
    private readonly library: Library,
    private readonly options: UpdateOptions = {},
  ) {
    this.done = this.run();
  }

  pause(): void {
    this.paused = true;
    this.job?.pause();
  }

  resume(): void {
    this.paused = false;
    this.job?.resume();
  }

  cancel(): void {
    this.abort.abort(new Cancelled('cancelled'));
    this.job?.cancel();
  }

  get cancelled(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<UpdateReport> {
    const { library, options } = this;
    const { signal } = this.abort;
    const report: UpdateReport = {
      scan: emptySummary(),
      state: 'cancelled',
      indexed: 0,
      failed: 0,
      failures: [],
      damaged: [],
      photosPerSecond: 0,
      tags: null,
      sidecars: null,
    };
    try {
      report.scan = await (options.scan
        ? options.scan(signal)
        : library.scan({
            signal,
            ...(options.paths && { paths: options.paths }),
            ...(options.settleMs !== undefined && { settleMs: options.settleMs }),
          }));
      options.onScan?.(report.scan);
      const indexedIds: number[] = [];
      const attempted: number[] = [];
      let base = 0;
      let seconds = 0;
      for (let round = 0; round < MAX_ROUNDS && !this.cancelled; round++) {
        const { job, ids } = library.indexJob({
          ...options.job,
          onProgress: (p) => options.onProgress?.({ ...p, done: base + p.done, total: base + p.total }),
          onBatch: async (saved) => {
            indexedIds.push(...saved);
            await options.job?.onBatch?.(saved);
          },
        });
        if (!ids.length) break;
        attempted.push(...ids);
        this.job = job;
        if (this.paused) job.pause();
        const result = await job.run(ids);
        this.job = null;
        report.indexed += result.indexed;
        report.failed += result.failed;
        if (result.photosPerSecond > 0) seconds += result.done / result.photosPerSecond;
        base += result.done;
        if (result.state !== 'finished') break;
      }
      report.photosPerSecond = seconds > 0 ? base / seconds : 0;
      report.failures = library.store.problemsAmong(attempted);
      report.damaged = library.store.problemsAmong(attempted, 'indexed');
      signal.throwIfAborted();
      // New photos were tagged as they were indexed; a large change recalibrates every category.
      report.tags = await library.refreshTags(report.indexed, signal, options.onTagProgress);
      const tagged = library.tags.categories().some((c) => c.auto && c.enabled);
      if (report.tags || (tagged && indexedIds.length))
        report.sidecars = await writeSidecarsIfWanted(library, {
          ...(report.tags ? {} : { photoIds: indexedIds }),
          signal,
          ...(options.onTagProgress && { onProgress: options.onTagProgress }),
        });
      report.state = this.cancelled ? 'cancelled' : 'finished';
      return report;
    } catch (err) {
      if (this.cancelled) return report;
      throw err;
    } finally {
      this.job = null;
    }
  }
}

/** Starts bringing the library up to date; see LibraryUpdate. */
export function updateLibrary(library: Library, options: UpdateOptions = {}): LibraryUpdate {
  return new LibraryUpdate(library, options);
}
