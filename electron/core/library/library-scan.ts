// Reconciling the library's folders with the disk: new files become pending photos, changed ones lose
// their embedding, a new file with the size and content of a missing one is that photo moved (its row,
// tags, caption and albums kept), and what is gone is forgotten. A scan covers every folder whole, or
// only some paths inside them (what the watcher saw change). A folder that is not there, or is empty
// while the library holds photos in it (an unmounted drive leaves its mount point empty), is marked
// offline and its photos are kept until it returns; it is then scanned whole. A link whose target lies
// outside its library folder is skipped, and recorded with why for status.

import { createHash } from 'node:crypto';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, relative, resolve, sep } from 'node:path';
import type { Exclusions } from './exclusions.js';
import {
  isImagePath,
  isSkippedFolder,
  scanFolder,
  type ScanProblem,
  type ScannedFile,
  type ScanSkip,
} from './folder-scan.js';
import { isInside } from './library-folders.js';
import type { FolderRow, KnownPhoto, PhotoStore } from './photo-store.js';

export interface ScanSummary {
  added: number;
  changed: number;
  moved: number;
  removed: number;
  unchanged: number;
  problems: ScanProblem[];
  /** Library folders unavailable now; their photos are kept. */
  offline: string[];
  /** Those of them that were there at the scan before (the UI has news to show). */
  wentOffline: string[];
  /** Library folders that were offline and are back (scanned whole). */
  returned: string[];
  /** Files left for later because they were still being written (see ScanOptions.settleMs). */
  unsettled: number;
  /** Files and folders left out on purpose (links out of their library folder), with why. */
  skipped: ScanSkip[];
}

/**
 * How long a file must have been left alone to be taken by a watcher-driven scan: a copy in progress
 * keeps changing it. The watcher waits as long for a file's size to settle.
 */
export const WRITE_SETTLE_MS = 1000;

export interface ScanOptions {
  signal?: AbortSignal;
  /** Only these paths (files or folders, absolute) are compared with the disk; default every folder. */
  paths?: readonly string[];
  /**
   * A file modified less than this long ago is still being written (a copy in progress): it is left as
   * it was, neither read nor counted missing, until a later scan. Default 0: every file is taken.
   */
  settleMs?: number;
}

export interface ScanDeps {
  store: PhotoStore;
  exclusions: Exclusions;
  /** One transaction around the inserts of a scan. */
  transaction: (fn: () => void) => void;
  /** Drops photos whose embeddings are gone (deleted or changed) from the vector indexes. */
  forget: (ids: readonly number[]) => void;
}

export const emptySummary = (): ScanSummary => ({
  added: 0,
  changed: 0,
  moved: 0,
  removed: 0,
  unchanged: 0,
  problems: [],
  offline: [],
  wentOffline: [],
  returned: [],
  unsettled: 0,
  skipped: [],
});

const isUnder = (root: string, path: string): boolean => path === root || path.startsWith(root + sep);

/** The paths below a folder that are the scan's business there: none, or the fewest covering them. */
function rootsIn(folder: string, paths: readonly string[] | undefined): string[] {
  if (!paths) return [folder];
  const inside = [...new Set(paths.map((p) => resolve(p)))].filter((p) => isUnder(folder, p)).sort();
  const roots: string[] = [];
  for (const p of inside) if (!roots.some((r) => isUnder(r, p))) roots.push(p);
  return roots;
}

/** Whether a folder is away: missing, or empty while photos were there (an unmounted drive). */
async function unavailable(folder: FolderRow, store: PhotoStore): Promise<string | null> {
  try {
    const s = await stat(folder.path);
    if (!s.isDirectory()) return 'not a folder any more';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (err as Error).message;
  }
  const entries = await readdir(folder.path).catch(() => null);
  if (entries?.length === 0 && store.photosUnder(folder.path, sep).length > 0)
    return 'empty, while the library holds photos from it (an unmounted drive?)';
  return null;
}

/** Whether a path below a folder sits in a hidden or system folder, or is a hidden file. */
function hiddenBelow(folder: string, path: string): boolean {
  const parts = relative(folder, path).split(sep).filter(Boolean);
  return parts.some((p, i) => (i < parts.length - 1 ? isSkippedFolder(p) : p.startsWith('.')));
}

/** Where a folder's walk is kept: the folder's real path (through a symlinked library folder too). */
interface Walk {
  folder: string;
  within: string;
  exclusions: Exclusions;
  onProblem: (p: ScanProblem) => void;
  onSkip: (s: ScanSkip) => void;
  signal?: AbortSignal | undefined;
}

/** The image files at a root: a folder walked, one file checked, nothing if it is gone or left out. */
async function* filesAt(walk: Walk, root: string): AsyncGenerator<ScannedFile> {
  const { folder, within, exclusions, signal } = walk;
  if (root !== folder && (hiddenBelow(folder, root) || exclusions.excludes(folder, root))) return;
  let s;
  let real: string;
  try {
    s = await stat(root);
    real = await realpath(root);
  } catch {
    return; // gone: what the library had there is missing
  }
  if (!isInside(within, real)) {
    walk.onSkip({ path: root, reason: `a link to somewhere outside the library folder (${real})` });
    return;
  }
  if (s.isDirectory()) {
    if (root !== folder && isSkippedFolder(basename(root))) return;
    yield* scanFolder(root, walk.onProblem, {
      ...(signal && { signal }),
      exclude: (path) => exclusions.excludes(folder, path),
      within,
      onSkip: walk.onSkip,
    });
  } else if (s.isFile() && isImagePath(root))
    yield { path: root, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
}

export async function scanLibrary(deps: ScanDeps, options: ScanOptions = {}): Promise<ScanSummary> {
  const { store, exclusions, signal } = { ...deps, ...options };
  const summary = emptySummary();
  const newFiles: { folderId: number; path: string; size: number; mtimeMs: number }[] = [];
  const missing = new Map<number, { id: number; size: number; hash: string | null }>();
  const changedIds: number[] = [];
  const now = Date.now();
  const settling = (mtimeMs: number): boolean =>
    (options.settleMs ?? 0) > 0 && mtimeMs > now - (options.settleMs ?? 0) && mtimeMs <= now;
  for (const folder of store.folders()) {
    signal?.throwIfAborted();
    const away = await unavailable(folder, store);
    if (away) {
      store.setFolderOffline(folder.id, true);
      summary.offline.push(folder.path);
      if (folder.offline_since === null) summary.wentOffline.push(folder.path);
      summary.problems.push({
        path: folder.path,
        error: `folder unavailable (${away}); its photos are kept`,
      });
      continue;
    }
    // A folder back from being away may have changed in any way: compare all of it.
    const back = folder.offline_since !== null;
    if (back) {
      store.setFolderOffline(folder.id, false);
      summary.returned.push(folder.path);
    }
    const roots = rootsIn(folder.path, back ? undefined : options.paths);
    const skipped: ScanSkip[] = [];
    const walk: Walk = {
      folder: folder.path,
      within: await realpath(folder.path),
      exclusions,
      onProblem: (p) => summary.problems.push(p),
      onSkip: (skip) => skipped.push(skip),
      signal,
    };
    for (const root of roots) {
      const known = new Map<string, KnownPhoto>(
        (root === folder.path ? store.photosInFolder(folder.id) : store.photosUnder(root, sep)).map((r) => [
          r.path,
          r,
        ]),
      );
      const seen = new Set<string>();
      for await (const file of filesAt(walk, root)) {
        seen.add(file.path);
        if (settling(file.mtimeMs)) {
          summary.unsettled++;
          continue;
        }
        const row = known.get(file.path);
        if (!row) {
          // Known under another folder of the library (folders inside folders): that folder's photo.
          if (store.photoByPath(file.path)) continue;
          newFiles.push({ folderId: folder.id, ...file });
        } else if (row.size !== file.size || row.mtime_ms !== file.mtimeMs) {
          store.markChanged(row.id, file.size, file.mtimeMs);
          changedIds.push(row.id);
          summary.changed++;
        } else summary.unchanged++;
      }
      for (const [path, row] of known)
        if (!seen.has(path)) missing.set(row.id, { id: row.id, size: row.size, hash: row.content_hash });
    }
    // A whole-folder scan says afresh what the folder leaves out; a scan of some paths adds to it.
    store.recordSkipped(folder.id, skipped, roots.length === 1 && roots[0] === folder.path);
    summary.skipped.push(...skipped);
  }
  // A new file with the size and content of a missing one is that photo moved or renamed: keep its row.
  const missingBySize = new Map<number, { id: number; hash: string | null }[]>();
  for (const m of missing.values()) missingBySize.set(m.size, [...(missingBySize.get(m.size) ?? []), m]);
  const added: typeof newFiles = [];
  for (const file of newFiles) {
    const candidates = missingBySize.get(file.size)?.filter((c) => c.hash && missing.has(c.id));
    let movedFrom: number | null = null;
    if (candidates?.length) {
      const hash = await readFile(file.path).then(
        (b) => createHash('sha256').update(b).digest('hex'),
        () => null,
      );
      movedFrom = candidates.find((c) => c.hash === hash)?.id ?? null;
    }
    if (movedFrom !== null) {
      store.movePhoto(movedFrom, file.folderId, file.path, file.mtimeMs);
      missing.delete(movedFrom);
      summary.moved++;
    } else added.push(file);
  }
  // One transaction for all new rows: a first scan of 100k photos is 100k inserts.
  deps.transaction(() => {
    for (const f of added) store.insertPending(f.folderId, f.path, f.size, f.mtimeMs);
  });
  summary.added = added.length;
  const gone = [...missing.keys()];
  store.deletePhotos(gone);
  summary.removed = gone.length;
  deps.forget([...gone, ...changedIds]);
  return summary;
}
