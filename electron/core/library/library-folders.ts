// What may become a library folder. Everything in a library folder can be read, thumbnailed, served to
// the UI and given a sidecar, so a folder must be one the user really means: an absolute path (the
// working folder of a server is nobody's intention: the CLI resolves relative paths itself), that
// exists and is a directory, and that is not the file system's root or a system folder of the kernel
// or the OS. The same check serves the CLI, the app and `lumen serve`.

import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, parse, resolve, sep } from 'node:path';

export class FolderError extends Error {
  override readonly name = 'FolderError';
}

/** Kernel and OS folders that hold no photos and must never be scanned or served. */
const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev', '/run', '/boot', '/etc'];

/** Whether a resolved path is a drive or file-system root, or inside a system folder. */
export function isSystemFolder(path: string, platform: NodeJS.Platform = process.platform): boolean {
  if (parse(path).root === path) return true;
  return platform !== 'win32' && SYSTEM_FOLDERS.some((s) => path === s || path.startsWith(`${s}/`));
}

/** Where a path really is (through any symlink), or null when nothing is there (or it cannot be read). */
export function realPathOrNull(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

/** Whether `candidate` (already resolved) is `root` or lies below it. */
export function isInside(root: string, candidate: string): boolean {
  const r = root.endsWith(sep) ? root : root + sep;
  return candidate === root || candidate.startsWith(r);
}

/** The folder to add, absolute and checked; FolderError says why not. */
export function checkLibraryFolder(path: string): string {
  if (!isAbsolute(path)) throw new FolderError(`a library folder is an absolute path (${path} is relative)`);
  const absolute = resolve(path);
  const stats = statSync(absolute, { throwIfNoEntry: false });
  if (!stats) throw new FolderError(`there is no folder at ${absolute}`);
  if (!stats.isDirectory()) throw new FolderError(`${absolute} is a file, not a folder`);
  const real = realpathSync(absolute);
  if (isSystemFolder(absolute) || isSystemFolder(real))
    throw new FolderError(`${absolute} is a system folder, not a photo folder`);
  return absolute.endsWith(sep) && absolute.length > 1 ? absolute.slice(0, -1) : absolute;
}
