// What a category holds, counted one way wherever it is shown (`lumen tags list` and `tags run`, the
// UI's category table, JSON): the photos that carry it (automatic tags and the user's own: set by hand,
// read from their files, or accepted in review), the rejections apart, and the score a photo needs to
// be tagged automatically, as a cosine the user can compare with the live preview's scores.

import type { LibraryRecords } from '../library/library-records.js';
import type { Category } from './tag-store.js';

export interface TagCounts {
  /** Tagged automatically, unreviewed. */
  auto: number;
  /** Set by the user, or read from keywords in their files. */
  manual: number;
  /** Automatic tags the user confirmed in review. */
  accepted: number;
  /** Refused in review; never tagged again automatically. */
  rejected: number;
}

export interface CategorySummary extends Category {
  counts: TagCounts;
  /** Photos carrying the category: automatic, yours and accepted (rejected ones do not). */
  tagged: number;
  /**
   * The score (cosine) a photo needs to be tagged automatically: the user's threshold, else the one
   * calibrated on the library for the model in use; null while never calibrated, or for keywords only.
   */
  cutoff: number | null;
  cutoffSource: 'yours' | 'calibrated' | 'not yet calibrated' | 'keywords only';
  /** The cut-off is above any score a photo can reach: nothing stands out, nothing is tagged. */
  tagsNothing: boolean;
}

/** How many photos carry each category, by where the tag came from. */
export function tagCounts(library: LibraryRecords): Map<number, TagCounts> {
  const rows = library.db
    .prepare('SELECT category_id AS id, source, COUNT(*) AS n FROM photo_tags GROUP BY category_id, source')
    .all() as { id: number; source: keyof TagCounts; n: number }[];
  const out = new Map<number, TagCounts>();
  for (const r of rows) {
    const c = out.get(r.id) ?? { auto: 0, manual: 0, accepted: 0, rejected: 0 };
    c[r.source] = r.n;
    out.set(r.id, c);
  }
  return out;
}

/** Every category with its counts and threshold, for the model the library has open (or last used). */
export function categorySummaries(library: LibraryRecords): CategorySummary[] {
  const counts = tagCounts(library);
  const model = library.currentModel();
  const space = model ? library.spaceOf(model) : null;
  return library.tags.categories().map((c) => {
    const n = counts.get(c.id) ?? { auto: 0, manual: 0, accepted: 0, rejected: 0 };
    const calibrated =
      model && space !== null ? (library.tags.vectors(c.id, space, model.dim)?.threshold ?? null) : null;
    const cutoff = c.threshold ?? calibrated;
    return {
      ...c,
      counts: n,
      tagged: n.auto + n.manual + n.accepted,
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
