// Writes the library's tags to XMP sidecars so digiKam, darktable and Lightroom see them: each photo's
// own tags (set by the user, accepted in review, read from their files) are merged into its sidecar's
// keywords, with its stars (xmp:Rating) and favourite mark; automatic tags too when the library's xmpAutoTags setting says so, and then also listed in
// Lumen's own namespace so they are never read back as the user's; the ones the user rejected, and
// Lumen's earlier guesses it no longer makes, are withdrawn. The photos themselves are never opened for
// writing, and no sidecar is read or written outside the library's folders (a link elsewhere is refused).

import { realPathOrNull } from '../library/library-folders.js';
import type { Library } from '../library/library.js';
import { writeSidecarKeywords } from './xmp-sidecar.js';

export interface SidecarExportOptions {
  /** Only these photos (default: every photo with a tag or a rejection, stars or a favourite mark). */
  photoIds?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface SidecarExportReport {
  /** Sidecars created or changed. */
  written: string[];
  /** Sidecars already saying what they should (or photos with nothing to write). */
  unchanged: number;
  failed: { path: string; error: string }[];
  cancelled: boolean;
}

export async function exportSidecars(
  library: Library,
  options: SidecarExportOptions = {},
): Promise<SidecarExportReport> {
  const ids =
    options.photoIds ??
    (library.db
      .prepare(
        `SELECT photo_id FROM photo_tags UNION SELECT id FROM photos WHERE rating IS NOT NULL OR favorite = 1
         ORDER BY 1`,
      )
      .pluck()
      .all() as number[]);
  const report: SidecarExportReport = { written: [], unchanged: 0, failed: [], cancelled: false };
  const writeAuto = library.settings.get().xmpAutoTags;
  // An offline folder has no real path: nothing is written there.
  const within = library.store.folders().flatMap((f) => realPathOrNull(f.path) ?? []);
  for (const [i, id] of ids.entries()) {
    if (options.signal?.aborted) {
      report.cancelled = true;
      break;
    }
    const photo = library.store.photo(id);
    if (!photo) continue;
    const tags = library.tags.tagsOf(id);
    const yours = tags.filter((t) => t.source === 'manual' || t.source === 'accepted').map((t) => t.name);
    const auto = writeAuto ? tags.filter((t) => t.source === 'auto').map((t) => t.name) : [];
    const remove = tags.filter((t) => t.source === 'rejected').map((t) => t.name);
    try {
      const result = await writeSidecarKeywords(
        photo.path,
        {
          keywords: [...yours, ...auto],
          remove,
          auto,
          // Stars only where Lumen knows some (null: never rated here nor in the file, so leave the
          // sidecar's own, e.g. Lightroom's "rejected"); the favourite mark is Lumen's own field.
          ...(photo.rating !== null && { rating: photo.rating }),
          favorite: photo.favorite === 1,
        },
        { within },
      );
      if (result.changed) report.written.push(result.path);
      else report.unchanged += 1;
    } catch (err) {
      report.failed.push({ path: photo.path, error: err instanceof Error ? err.message : String(err) });
    }
    options.onProgress?.(i + 1, ids.length);
  }
  return report;
}
