// What a category holds, counted one way wherever it is shown (`lumen tags list` and `tags run`, the
// UI's category table, JSON): the photos that carry it (automatic tags and the user's own: set by hand,
// read from their files, or accepted in review), the rejections apart, and the score a photo needs to
// be tagged automatically, as a cosine the user can compare with the live preview's scores; and a few
// of its best photos as covers.

import type { LibraryRecords } from '../library/library-records.js';
import { noTags, taggedOf, type Category, type TagCounts } from './tag-store.js';

export interface CategorySummary extends Category {
  counts: TagCounts;
  /** Photos carrying the category (taggedOf). */
  tagged: number;
  /**
   * The score (cosine) a photo needs to be tagged automatically: the user's threshold, else the one
   * calibrated on the library for the model in use; null while never calibrated, or for keywords only.
   */
  cutoff: number | null;
  cutoffSource: 'yours' | 'calibrated' | 'not yet calibrated' | 'keywords only';
  /** The cut-off is above any score a photo can reach: nothing stands out, nothing is tagged. */
  tagsNothing: boolean;
  /** Up to four of its best photos, for the Explore page's covers. */
  covers: number[];
}

/** Every category with its counts and threshold, for the model the library has open (or last used). */
export function categorySummaries(library: LibraryRecords): CategorySummary[] {
  const counts = library.tags.tagCounts();
  const model = library.currentModel();
  const space = model ? library.spaceOf(model) : null;
  return library.tags.categories().map((c) => {
    const n = counts.get(c.id) ?? noTags();
    const calibrated =
      model && space !== null ? (library.tags.vectors(c.id, space, model.dim)?.threshold ?? null) : null;
    const cutoff = c.threshold ?? calibrated;
    return {
      ...c,
      counts: n,
      tagged: taggedOf(n),
      cutoff,
      cutoffSource: !c.auto
        ? 'keywords only'
        : c.threshold !== null
          ? 'yours'
          : calibrated !== null
            ? 'calibrated'
            : 'not yet calibrated',
      // Cosines never pass 1; the outlier rule can set a bar above every photo's score.
      tagsNothing: c.auto && cutoff !== null && cutoff >= 1,
      covers: library.tags.photosOf(c.id, 4),
    };
  });
}

/** A cut-off in words: the score, or why there is none. */
export function describeCutoff(s: Pick<CategorySummary, 'cutoff' | 'cutoffSource' | 'tagsNothing'>): string {
  if (s.cutoffSource === 'keywords only') return 'keywords from your files, not tagged automatically';
  if (s.cutoff === null) return 'not yet calibrated (run tagging)';
  if (s.tagsNothing) return 'no photo stands out, none tagged';
  return `from a score of ${s.cutoff.toFixed(3)} (${s.cutoffSource})`;
}
