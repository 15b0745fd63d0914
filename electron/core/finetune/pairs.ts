// The training pairs a library offers: the user's captions, captions found in the files, and tags
// the user accepted or set (as a natural sentence about the category: its first prompt when that
// reads like a caption, else "a photo of ..." with the article English wants). Tags the user rejected
// are hard negatives: that sentence does not describe that photo.

import type { Library } from '../library/library.js';
import { categorySentence } from '../tags/prompt-templates.js';
import type { TrainingPair } from './split.js';

export interface LibraryPairs {
  pairs: (TrainingPair & { source: 'caption' | 'file caption' | 'tag' })[];
  negatives: TrainingPair[];
}

export function collectPairs(library: Library): LibraryPairs {
  const { db, modelId } = library;
  const embedded = 'EXISTS (SELECT 1 FROM embeddings e WHERE e.model_id = ? AND e.photo_id = x.photo_id)';
  const captions = db
    .prepare(`SELECT photo_id AS photoId, text, source FROM captions x WHERE ${embedded} ORDER BY photo_id`)
    .all(modelId) as { photoId: number; text: string; source: 'user' | 'file' }[];
  const tags = db
    .prepare(
      `SELECT photo_id AS photoId, category_id AS categoryId, source FROM photo_tags x
      WHERE source IN ('accepted', 'manual', 'rejected') AND ${embedded} ORDER BY photo_id, category_id`,
    )
    .all(modelId) as { photoId: number; categoryId: number; source: string }[];
  const promptOf = new Map<number, string>();
  for (const c of library.tags.categories()) promptOf.set(c.id, categorySentence(c));
  const pairs: LibraryPairs['pairs'] = captions.map((c) => ({
    photoId: c.photoId,
    text: c.text,
    source: c.source === 'user' ? 'caption' : 'file caption',
  }));
  const negatives: TrainingPair[] = [];
  for (const t of tags) {
    const text = promptOf.get(t.categoryId);
    if (!text) continue;
    if (t.source === 'rejected') negatives.push({ photoId: t.photoId, text });
    else pairs.push({ photoId: t.photoId, text, source: 'tag' });
  }
  return { pairs, negatives };
}
