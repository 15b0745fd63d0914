// What lumen index and lumen watch share: checking the folders given, one library update with a
// progress bar (Ctrl-C cancels it), its report in words or JSON, and watching until Ctrl-C.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Library } from '../core/library/library.js';
import { updateLibrary, type UpdateReport } from '../core/library/library-update.js';
import { LibraryUpdater } from '../core/library/library-updater.js';
import { LibraryWatcher } from '../core/library/library-watcher.js';
import { EXIT, usageError } from './cli-error.js';
import { interruptSignal, type Output } from './command.js';
import { Progress } from './progress.js';

/** Folders given on the command line: each must be a folder that can be read. */
export function checkFolders(paths: readonly string[]): string[] {
  return paths.map((f) => {
    let isDir: boolean;
    try {
      isDir = statSync(f).isDirectory();
    } catch (e) {
      throw usageError(`cannot read folder ${f} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!isDir) throw usageError(`not a folder: ${f}`);
    return resolve(f);
  });
}

/**
 * Waits, with a progress bar, for a search index still being built in the background (a repaired
 * index, an adapter just activated): a command that exits drops an unfinished one, to be rebuilt on
 * the next open. Search works meanwhile; Ctrl-C leaves the rest for later.
 */
export async function finishSearchIndex(library: Library, err: Output): Promise<void> {
  const building = [...new Set([library.index, library.space.index])].filter((i) => !i.complete);
  if (!building.length) return;
  const bar = new Progress(err);
  const stop = interruptSignal(() => {
    for (const index of building) index.stopBuilding();
  });
  try {
    for (const index of building)
      await index.whenComplete((done, total) => {
        bar.update({ label: 'search index', done, total }, done === total);
      });
  } finally {
    stop.release();
    bar.finish();
  }
}

/** One update with a progress bar on stderr; Ctrl-C cancels it cleanly. */
export async function updateWithProgress(library: Library, err: Output): Promise<UpdateReport> {
  const bar = new Progress(err);
  const update = updateLibrary(library, {
    onProgress: (p) => {
      bar.update(
        {
          label: 'indexing',
          done: p.done,
          total: p.total,
          rate: p.photosPerSecond,
          etaSeconds: p.etaSeconds,
        },
        p.done === p.total,
      );
    },
    onTagProgress: (p) => {
      bar.update({ label: p.phase, done: p.done, total: p.total }, p.done === p.total);
    },
  });
  const stop = interruptSignal(() => {
    update.cancel();
  });
  try {
    return await update.done;
  } finally {
    stop.release();
    bar.finish();
  }
}

export function describeScan(scan: UpdateReport['scan']): string {
  const parts = [
    `${scan.added} new`,
    `${scan.changed} changed`,
    `${scan.moved} moved`,
    `${scan.removed} removed`,
    `${scan.unchanged} unchanged`,
  ];
  return `scanned: ${parts.join(', ')}${scan.offline.length ? `; offline (photos kept): ${scan.offline.join(', ')}` : ''}`;
}

/** An update's report as one JSON object (lumen index --json, a line of lumen watch --json). */
export function updateJson(r: UpdateReport, library: Library): Record<string, unknown> {
  const status = library.status();
  return {
    scan: { ...r.scan, problems: r.scan.problems.length },
    indexed: r.indexed,
    failed: r.failed,
    failures: r.failures,
    damaged: r.damaged,
    state: r.state,
    sidecars: r.sidecars && { written: r.sidecars.written.length, failed: r.sidecars.failed.length },
    status: { ...status, failures: status.failures.length, damaged: status.damaged.length },
  };
}

const changedAnything = (r: UpdateReport): boolean => {
  const s = r.scan;
  return (
    s.added +
      s.changed +
      s.moved +
      s.removed +
      r.indexed +
      r.failed +
      s.returned.length +
      s.wentOffline.length >
    0
  );
};

/** Watches until SIGINT or SIGTERM; resolves with the exit code. */
export async function watchLibrary(
  library: Library,
  out: Output,
  err: Output,
  json = false,
): Promise<number> {
  const updater = new LibraryUpdater(library, {
    onDone: (r) => {
      if (!changedAnything(r)) return;
      const time = new Date().toLocaleTimeString();
      if (json) {
        out.write(`${JSON.stringify(updateJson(r, library))}\n`);
        return;
      }
      out.write(`${time} ${describeScan(r.scan)}; indexed ${r.indexed}, ${r.failed} failed\n`);
      for (const f of r.failures) err.write(`failed: ${f.path}: ${f.error}\n`);
      for (const f of r.damaged) err.write(`${f.path}: ${f.error}\n`);
      for (const f of r.scan.returned) out.write(`${time} back: ${f}\n`);
    },
    onError: (e) => {
      err.write(`update failed: ${e instanceof Error ? e.message : String(e)}\n`);
    },
  });
  const watcher = new LibraryWatcher(library, {
    request: (paths) => updater.request(paths),
    onState: (s) => {
      if (s.state === 'limited') err.write(`lumen watch: ${s.message}\n`);
    },
  });
  await watcher.start();
  err.write(`watching ${library.store.folders().length} folder(s); Ctrl-C stops\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  err.write('stopping\n');
  await watcher.close();
  await updater.close();
  return EXIT.ok;
}
