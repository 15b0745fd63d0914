// The training pairs a library offers: the user's captions, captions found in the files, and tags
// the user accepted or set (as a natural sentence about the category: its first prompt when that
// reads like a caption, else "a photo of ..." with the article English wants). Tags the user rejected
// are hard negatives: that sentence does not describe that photo.

import type { Library } from '../library/library.js';
import { categorySentence } from '../tags/prompt-templates.js';
import { describeCaptionOrigin, describeTagOrigin } from '../tags/provenance.js';
import type { TagSource } from '../tags/tag-store.js';
import type { TrainingPair } from './split.js';

export interface LibraryPairs {
  /** `from`: where the text came from, in words ("caption written by you", "tag from the photo's file (…)"). */
  pairs: (TrainingPair & { source: 'caption' | 'file caption' | 'tag'; from: string })[];
  negatives: TrainingPair[];
}

/** The pairs of a library's photos embedded in the model space `modelId` (all of a Library's, or the records'). */
export function collectPairs(library: Pick<Library, 'db' | 'modelId' | 'tags'>): LibraryPairs {
  const { db, modelId } = library;
  const embedded = 'EXISTS (SELECT 1 FROM embeddings e WHERE e.model_id = ? AND e.photo_id = x.photo_id)';
  const captions = db
    .prepare(
      `SELECT photo_id AS photoId, text, source, origin FROM captions x WHERE ${embedded} ORDER BY photo_id`,
    )
    .all(modelId) as { photoId: number; text: string; source: 'user' | 'file'; origin: string | null }[];
  // Automatic tags are Lumen's guesses, never pairs: only what the user set, confirmed or turned down.
  const tags = db
    .prepare(
      `SELECT photo_id AS photoId, category_id AS categoryId, source, origin FROM photo_tags x
      WHERE source IN ('accepted', 'manual', 'rejected') AND ${embedded} ORDER BY photo_id, category_id`,
    )
    .all(modelId) as { photoId: number; categoryId: number; source: TagSource; origin: string | null }[];
  const promptOf = new Map<number, string>();
  for (const c of library.tags.categories()) promptOf.set(c.id, categorySentence(c));
  const pairs: LibraryPairs['pairs'] = captions.map((c) => ({
    photoId: c.photoId,
    text: c.text,
    source: c.source === 'user' ? 'caption' : 'file caption',
    from: `caption ${describeCaptionOrigin(c)}`,
  }));
  const negatives: TrainingPair[] = [];
  for (const t of tags) {
    const text = promptOf.get(t.categoryId);
    if (!text) continue;
    if (t.source === 'rejected') negatives.push({ photoId: t.photoId, text });
    else
      pairs.push({
        photoId: t.photoId,
        text,
        source: 'tag',
        from: `tag ${describeTagOrigin({ ...t, score: null })}`,
      });
  }
  return { pairs, negatives };
}
