// Moving photos to the system trash, from a selection or the duplicates page: each original file goes
// to the trash (with its XMP sidecar, which only describes it), then the library forgets the photo with
// its captions, tags and album places. The trash is passed in: Electron's shell.trashItem in the app,
// system-trash.ts elsewhere. A file that will not go (an unplugged drive, a read-only folder) is
// reported and its photo kept, so nothing is forgotten whose file is still where it was.

import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname } from 'node:path';
import { errorMessage } from '../clip/errors.js';
import { sidecarPathFor } from '../tags/xmp-sidecar.js';
import type { TrashItem } from './system-trash.js';
import type { PhotoStore } from './photo-store.js';

export interface TrashReport {
  trashed: number[];
  failed: { id: number; path: string | null; error: string }[];
}

/** The parts of a library trashing needs: its records, and forgetting photos (vectors included). */
export interface TrashTarget {
  store: Pick<PhotoStore, 'photo'>;
  removePhotos(ids: readonly number[]): void;
}

/**
 * The sidecar that belongs to this photo alone: `photo.jpg.xmp` always; `photo.xmp` only when no
 * other file shares the stem (a RAW+JPEG pair shares one, and trashing the JPEG must not take it).
 */
async function ownSidecar(photoPath: string): Promise<string | null> {
  const sidecar = sidecarPathFor(photoPath);
  if (!existsSync(sidecar)) return null;
  const name = basename(sidecar);
  if (name.toLowerCase() === `${basename(photoPath).toLowerCase()}.xmp`) return sidecar;
  const stem = basename(photoPath, extname(photoPath)).toLowerCase();
  const siblings = await readdir(dirname(photoPath)).catch(() => [] as string[]);
  const others = siblings.filter(
    (f) => f !== name && f !== basename(photoPath) && basename(f, extname(f)).toLowerCase() === stem,
  );
  return others.length === 0 ? sidecar : null;
}

export async function trashPhotos(
  library: TrashTarget,
  photoIds: readonly number[],
  trashItem: TrashItem,
): Promise<TrashReport> {
  const report: TrashReport = { trashed: [], failed: [] };
  for (const id of photoIds) {
    const photo = library.store.photo(id);
    if (!photo) {
      report.failed.push({ id, path: null, error: 'not in the library' });
      continue;
    }
    try {
      const sidecar = await ownSidecar(photo.path);
      await trashItem(photo.path);
      report.trashed.push(id);
      if (sidecar) await trashItem(sidecar).catch(() => undefined);
    } catch (err) {
      report.failed.push({ id, path: photo.path, error: errorMessage(err) });
    }
  }
  if (report.trashed.length) library.removePhotos(report.trashed);
  return report;
}
