// Tagging the library as every entry point does it (`lumen tags run`, the engine's tags.run, after
// indexing): the tagger's run, then the tags to XMP sidecars when the library's xmpSidecars setting is
// on. A photo whose sidecar cannot be written does not fail the run; the report says which.

import type { Library } from '../library/library.js';
import { exportSidecars, type SidecarExportReport } from './sidecar-export.js';
import type { TagProgress, TagRunReport } from './tagger.js';

/** Tagging's phases, and writing sidecars after it. */
export type TagPhaseProgress = { phase: TagProgress['phase'] | 'sidecars'; done: number; total: number };

export interface TagLibraryOptions {
  /** Only these categories (default: every enabled automatic one). */
  categoryIds?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (p: TagPhaseProgress) => void;
}

/**
 * With the xmpSidecars setting on, writes the tags of the given photos (default: every tagged photo)
 * to their sidecars; null when the setting is off.
 */
export async function writeSidecarsIfWanted(
  library: Library,
  options: { photoIds?: readonly number[]; signal?: AbortSignal; onProgress?: (p: TagPhaseProgress) => void },
): Promise<SidecarExportReport | null> {
  if (!library.settings.get().xmpSidecars) return null;
  if (options.photoIds?.length === 0) return null;
  return exportSidecars(library, {
    ...(options.photoIds && { photoIds: options.photoIds }),
    ...(options.signal && { signal: options.signal }),
    onProgress: (done, total) => options.onProgress?.({ phase: 'sidecars', done, total }),
  });
}

export async function tagLibrary(
  library: Library,
  options: TagLibraryOptions = {},
): Promise<{ report: TagRunReport; sidecars: SidecarExportReport | null }> {
  const { signal, onProgress } = options;
  const report = await library.tagger.run({
    ...(options.categoryIds && { categoryIds: options.categoryIds }),
    ...(signal && { signal }),
    ...(onProgress && { onProgress }),
  });
  const sidecars = await writeSidecarsIfWanted(library, {
    ...(signal && { signal }),
    ...(onProgress && { onProgress }),
  });
  return { report, sidecars };
}
