// Near-duplicate groups: photos whose embeddings are at least `threshold` similar, joined transitively
// (union-find over each photo's nearest neighbours).

import type { Library } from './library.js';

export interface DuplicateGroup {
  ids: number[];
  paths: string[];
  /** Lowest similarity of a pair that joined the group. */
  minScore: number;
}

export async function findDuplicates(
  library: Library,
  threshold = 0.95,
  neighbours = 8,
): Promise<DuplicateGroup[]> {
  // The graph must hold every photo (it may still be building in the background after a repair).
  await library.index.whenComplete();
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while ((parent.get(r) ?? r) !== r) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  const minScore = new Map<number, number>();
  const ids = [...library.index.ids()];
  for (const id of ids) {
    const v = library.store.vectors(library.modelId, [id]).get(id);
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
