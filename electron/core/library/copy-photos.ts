// Copies photos' original files (and their XMP sidecars, which hold their tags for other apps) into a
// folder the user picked: "copy to a folder" from a selection. Nothing at the destination is ever
// replaced: a name already there (a file, a folder, a link) gets " (2)", " (3)", ... before its
// extension. The destination must be an existing folder given by its full path and outside the
// library's own folders; a photo that cannot be copied (its drive unplugged) is reported, not fatal.

import { constants } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { errorMessage } from '../clip/errors.js';
import { sidecarPathFor } from '../tags/xmp-sidecar.js';
import type { LibraryRecords } from './library-records.js';

export class CopyError extends Error {
  override readonly name = 'CopyError';
}

export interface CopyReport {
  copied: { id: number; to: string }[];
  failed: { id: number; path: string | null; error: string }[];
}

const inside = (folder: string, path: string): boolean => {
  const r = relative(folder, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** Copies `from` to a free name in `folder` (never overwriting); returns the path it took. */
async function copyToFreeName(from: string, folder: string, name: string): Promise<string> {
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; n < 10_000; n++) {
    const to = join(folder, n === 1 ? name : `${stem} (${n})${ext}`);
    try {
      // EXCL: fails on anything already at `to`, a dangling link included, instead of writing through it.
      await copyFile(from, to, constants.COPYFILE_EXCL);
      return to;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new CopyError(`no free name for ${name} in ${folder}`);
}

export async function copyPhotos(
  library: LibraryRecords,
  photoIds: readonly number[],
  folder: string,
  signal?: AbortSignal,
): Promise<CopyReport> {
  if (!isAbsolute(folder)) throw new CopyError(`give the folder's full path, not "${folder}"`);
  const dest = resolve(folder);
  const info = await stat(dest).catch(() => null);
  if (!info) throw new CopyError(`no folder ${dest}`);
  if (!info.isDirectory()) throw new CopyError(`${dest} is a file, not a folder`);
  if (library.ownFolders().some((own) => inside(own, dest)) || dest === library.dataDir)
    throw new CopyError(`${dest} is where Lumen keeps its own data: pick another folder`);
  const report: CopyReport = { copied: [], failed: [] };
  for (const id of photoIds) {
    signal?.throwIfAborted();
    const photo = library.store.photo(id);
    if (!photo) {
      report.failed.push({ id, path: null, error: 'not in the library' });
      continue;
    }
    try {
      const to = await copyToFreeName(photo.path, dest, basename(photo.path));
      report.copied.push({ id, to });
      const sidecar = sidecarPathFor(photo.path);
      if (
        await stat(sidecar).then(
          (s) => s.isFile(),
          () => false,
        )
      )
        await copyToFreeName(sidecar, dest, `${basename(to)}.xmp`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'the file is not there (is its drive connected?)' : errorMessage(err);
      report.failed.push({ id, path: photo.path, error: why });
    }
  }
  return report;
}
