// Near-duplicate groups: photos whose embeddings are at least `threshold` similar, joined transitively
// (union-find over each photo's nearest neighbours), and in each group the one worth keeping (most
// pixels, then the larger file, a name that is not a copy's, the older date) for the duplicates page and
// `lumen duplicates`.

import type { Library } from './library.js';

export interface DuplicateGroup {
  ids: number[];
  paths: string[];
  /** Lowest similarity of a pair that joined the group. */
  minScore: number;
}

/** Photos compared between yields to the event loop, so an engine stays responsive (thumbnails, calls). */
const YIELD_EVERY = 500;

export async function findDuplicates(
  library: Library,
  threshold = 0.95,
  neighbours = 8,
  onProgress?: (done: number, total: number) => void,
): Promise<DuplicateGroup[]> {
  // The graph must hold every photo (it may still be building in the background after a repair).
  await library.index.whenComplete();
  // The vectors the graph holds, in memory: no SQLite read per photo.
  const rows = library.index.rows();
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while ((parent.get(r) ?? r) !== r) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  const minScore = new Map<number, number>();
  const ids = [...library.index.ids()];
  for (const [i, id] of ids.entries()) {
    if (i % YIELD_EVERY === 0) {
      onProgress?.(i, ids.length);
      await new Promise((r) => setImmediate(r));
    }
    const v = rows.vector(id);
    if (!v) continue;
    // The graph, even where search would score exactly: a copy scores ~1.0 and is never missed, and
    // one product over every photo for each photo would make this quadratic.
    const hits = library.index.search(v, neighbours + 1).filter((h) => h.id !== id);
    for (const hit of hits) {
      if (hit.score < threshold) break;
      const a = find(id);
      const b = find(hit.id);
      const low = Math.min(hit.score, minScore.get(a) ?? 1, minScore.get(b) ?? 1);
      if (a !== b) parent.set(b, a);
      minScore.set(find(a), low);
    }
  }
  onProgress?.(ids.length, ids.length);
  const groups = new Map<number, number[]>();
  for (const id of ids) {
    if (!parent.has(id)) continue;
    const root = find(id);
    groups.set(root, [...(groups.get(root) ?? []), id]);
  }
  const path = library.db.prepare('SELECT path FROM photos WHERE id = ?').pluck();
  return [...groups.entries()]
    .filter(([, members]) => members.length > 1)
    .map(([root, members]) => ({
      ids: members,
      paths: members.map((m) => path.get(m) as string),
      minScore: minScore.get(root) ?? threshold,
    }))
    .sort((a, b) => b.ids.length - a.ids.length || (a.paths[0] ?? '').localeCompare(b.paths[0] ?? ''));
}

/** A member of a duplicate group, with what a person compares to choose the one to keep. */
export interface DuplicatePhoto {
  id: number;
  path: string;
  width: number | null;
  height: number | null;
  bytes: number;
  /** The photo's date, or the file's where it has none (as the timeline dates it). */
  takenAt: number;
  format: string | null;
}

export interface DuplicateChoice {
  photos: DuplicatePhoto[];
  /** The one to keep: see keepBest. */
  keep: number;
  minScore: number;
}

/** Names that say "I am a copy": "IMG_1 (2).jpg", "IMG_1 copy.jpg", "IMG_1 copy 2.jpg", "Copy of IMG_1.jpg". */
const COPY_NAME = /(\(\d+\)|[ _-]copy( \d+)?|[ _-]kopie)\.[^.]+$|^(copy of|kopie von) /i;

/**
 * The photo worth keeping in a group, as a person would choose: the most pixels; then the larger
 * file (less compressed at the same size); then the one whose name does not say it is a copy; then the
 * older one (the original came first); then the shorter path.
 */
export function keepBest(photos: readonly DuplicatePhoto[]): number {
  const pixels = (p: DuplicatePhoto): number => (p.width ?? 0) * (p.height ?? 0);
  const copyName = (p: DuplicatePhoto): number => (COPY_NAME.test(p.path.split(/[\\/]/).pop() ?? '') ? 1 : 0);
  const ranked = [...photos].sort(
    (a, b) =>
      pixels(b) - pixels(a) ||
      b.bytes - a.bytes ||
      copyName(a) - copyName(b) ||
      a.takenAt - b.takenAt ||
      a.path.length - b.path.length ||
      a.path.localeCompare(b.path),
  );
  const best = ranked[0];
  if (!best) throw new Error('an empty duplicate group');
  return best.id;
}

/** The duplicate groups with each member's size, date and shape, and the one to keep. */
export async function duplicateChoices(
  library: Library,
  threshold = 0.95,
  onProgress?: (done: number, total: number) => void,
): Promise<DuplicateChoice[]> {
  const groups = await findDuplicates(library, threshold, 8, onProgress);
  return groups.map((g) => {
    const photos = g.ids.flatMap((id): DuplicatePhoto[] => {
      const row = library.store.photo(id);
      if (!row) return [];
      return [
        {
          id,
          path: row.path,
          width: row.width,
          height: row.height,
          bytes: row.size,
          takenAt: row.taken_at ?? row.mtime_ms,
          format: row.format,
        },
      ];
    });
    return { photos, keep: keepBest(photos), minScore: g.minScore };
  });
}
