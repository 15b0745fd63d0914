// Writes the library's tags to XMP sidecars so digiKam, darktable and Lightroom see them: each photo's
// tags (automatic, manual and accepted) are merged into its sidecar's keywords, and the ones the user
// rejected in Lumen are withdrawn. The photos themselves are never opened for writing, and no sidecar
// is read or written outside the library's folders (a sidecar that is a link elsewhere is refused).

import { realpathSync } from 'node:fs';
import type { Library } from '../library/library.js';
import { writeSidecarKeywords } from './xmp-sidecar.js';

export interface SidecarExportOptions {
  /** Only these photos (default: every photo with a tag or a rejection). */
  photoIds?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface SidecarExportReport {
  written: string[];
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
      .prepare('SELECT DISTINCT photo_id FROM photo_tags ORDER BY photo_id')
      .pluck()
      .all() as number[]);
  const report: SidecarExportReport = { written: [], failed: [], cancelled: false };
  const within = library.store.folders().flatMap((f) => {
    try {
      return [realpathSync(f.path)];
    } catch {
      return []; // offline: nothing is written there
    }
  });
  for (const [i, id] of ids.entries()) {
    if (options.signal?.aborted) {
      report.cancelled = true;
      break;
    }
    const photo = library.store.photo(id);
    if (!photo) continue;
    const tags = library.tags.tagsOf(id);
    const keywords = tags.filter((t) => t.source !== 'rejected').map((t) => t.name);
    const remove = tags.filter((t) => t.source === 'rejected').map((t) => t.name);
    try {
      report.written.push(await writeSidecarKeywords(photo.path, { keywords, remove }, { within }));
    } catch (err) {
      report.failed.push({ path: photo.path, error: err instanceof Error ? err.message : String(err) });
    }
    options.onProgress?.(i + 1, ids.length);
  }
  return report;
}
