// Walks a photo folder recursively and yields its image files with size and modification time.
// Skips hidden and system folders and whatever the caller excludes (exclusions.ts), follows symlinks
// once (a loop is visited a single time) but never out of the folder the caller keeps it `within` (a
// link whose target lies elsewhere is skipped and reported, so nothing outside a library folder is
// indexed, thumbnailed or served), and reports unreadable folders and files instead of stopping.

import { opendir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isInside } from './library-folders.js';

export const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.jpe',
  '.png',
  '.webp',
  '.gif',
  '.tif',
  '.tiff',
  '.avif',
  '.heic',
  '.heif',
]);

/** Folders no photo library wants scanned: OS trash and metadata, NAS thumbnail caches, VCS, packages. */
const SYSTEM_FOLDERS = new Set([
  '$recycle.bin',
  'system volume information',
  'lost+found',
  '@eadir',
  '#recycle',
  '#snapshot',
  'node_modules',
  '__macosx',
]);

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanProblem {
  path: string;
  error: string;
}

/** A file or folder left out on purpose, and why. */
export interface ScanSkip {
  path: string;
  reason: string;
}

export function isImagePath(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

export function isSkippedFolder(name: string): boolean {
  return name.startsWith('.') || SYSTEM_FOLDERS.has(name.toLowerCase());
}

export interface ScanFolderOptions {
  signal?: AbortSignal;
  /** Leaves a file or folder (and everything under it) out of the walk. */
  exclude?: (path: string) => boolean;
  /** A real path (symlinks resolved) the walk never leaves: links pointing elsewhere are skipped. */
  within?: string;
  onSkip?: (skip: ScanSkip) => void;
}

/** Yields every image file under root; problems go to onProblem and the walk goes on. */
export async function* scanFolder(
  root: string,
  onProblem: (p: ScanProblem) => void = () => undefined,
  options: ScanFolderOptions = {},
): AsyncGenerator<ScannedFile> {
  const { signal, exclude = () => false, within, onSkip = () => undefined } = options;
  const outside = (real: string): boolean => within !== undefined && !isInside(within, real);
  const visited = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const dir = stack.pop() as string;
    let real: string;
    try {
      real = await realpath(dir);
    } catch (err) {
      onProblem({ path: dir, error: (err as Error).message });
      continue;
    }
    if (visited.has(real)) continue; // a symlink loop, or two links to one folder
    visited.add(real);
    if (outside(real)) {
      onSkip({ path: dir, reason: `a link to a folder outside the library folder (${real})` });
      continue;
    }
    let handle;
    try {
      handle = await opendir(dir);
    } catch (err) {
      onProblem({ path: dir, error: (err as Error).message });
      continue;
    }
    const subdirs: string[] = [];
    try {
      for await (const entry of handle) {
        const path = join(dir, entry.name);
        if (exclude(path)) continue;
        if (entry.isDirectory()) {
          if (!isSkippedFolder(entry.name)) subdirs.push(path);
          continue;
        }
        if (!entry.isFile() && !entry.isSymbolicLink()) continue;
        if (entry.isSymbolicLink()) {
          // Resolve the link: a folder is walked (once), a file is taken if it is an image.
          let target;
          try {
            target = await stat(path);
          } catch (err) {
            onProblem({ path, error: (err as Error).message });
            continue;
          }
          if (target.isDirectory()) {
            if (!isSkippedFolder(entry.name)) subdirs.push(path);
            continue;
          }
          if (!target.isFile()) continue;
          if (within !== undefined && isImagePath(entry.name)) {
            const real = await realpath(path).catch(() => null);
            if (real === null || outside(real)) {
              onSkip({
                path,
                reason: `a link to a file outside the library folder (${real ?? 'unreadable'})`,
              });
              continue;
            }
          }
        }
        if (!isImagePath(entry.name) || entry.name.startsWith('.')) continue;
        try {
          const s = await stat(path);
          yield { path, size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
        } catch (err) {
          onProblem({ path, error: (err as Error).message });
        }
      }
    } catch (err) {
      onProblem({ path: dir, error: (err as Error).message });
    }
    // Depth-first in name order, so scans are deterministic.
    stack.push(...subdirs.sort().reverse());
  }
}
