// Where a tag, a caption or a training pair came from, in words a user reads: typed by them, decided
// in review, read from which field of the photo's file, or guessed by Lumen (with the model, adapter,
// prompt set and score behind the guess). The stored facts are in photo_tags and captions (source,
// origin, model_id, adapter, prompt_set, score); this is the one place that turns them into words,
// for the app, `lumen serve`, the CLI and the fine-tune pairs alike.

import type { TagSource, TagStore } from './tag-store.js';

/** What a tag row records about its own history. */
export interface TagFacts {
  source: TagSource;
  /** 'you', 'review', or the file field it was read from; null on rows older than the column. */
  origin: string | null;
  score: number | null;
  /** For an automatic tag: the model's name, the adapter version and the prompt set that scored it. */
  model?: string | null;
  adapter?: string | null;
  promptSet?: string | null;
}

/** What a caption row records. */
export interface CaptionFacts {
  source: 'user' | 'file';
  origin: string | null;
}

/** Origins a user's own decisions carry; any other origin names a file's field. */
const TYPED = new Set(['you', null]);

/** A prompt set is a content hash; its first characters are enough to tell two apart. */
const shortHash = (h: string): string => (h.length > 8 ? h.slice(0, 8) : h);

/** "guessed by Lumen (score 0.312; shapes-clip with adapter v2, prompts 3f2a9c1e)". */
function guess(t: TagFacts): string {
  const parts: string[] = [];
  if (t.score !== null) parts.push(`score ${t.score.toFixed(3)}`);
  const model = [t.model, t.adapter ? `adapter ${t.adapter}` : null].filter(Boolean).join(' with ');
  if (model) parts.push(model);
  if (t.promptSet) parts.push(`prompts ${shortHash(t.promptSet)}`);
  return `guessed by Lumen${parts.length ? ` (${parts.join('; ')})` : ''}`;
}

/** Where a tag came from, in a few words. */
export function describeTagOrigin(t: TagFacts): string {
  switch (t.source) {
    case 'auto':
      return guess(t);
    case 'accepted':
      return 'confirmed by you in review';
    case 'rejected':
      return 'turned down by you in review';
    case 'manual':
      return TYPED.has(t.origin) ? 'set by you' : `from the photo's file (${t.origin ?? ''})`;
  }
}

/** Where a caption came from, in a few words. */
export function describeCaptionOrigin(c: CaptionFacts): string {
  if (c.source === 'user') return 'written by you';
  return c.origin ? `from the photo's file (${c.origin})` : "from the photo's file";
}

/** A photo's caption and tags, each with where it came from: what the viewer and `lumen tags of` show. */
export interface PhotoLabels {
  caption: { text: string; from: string } | null;
  tags: { name: string; source: TagSource; score: number | null; from: string }[];
}

export function photoLabels(tags: TagStore, photoId: number): PhotoLabels {
  const caption = tags.caption(photoId);
  return {
    caption: caption ? { text: caption.text, from: describeCaptionOrigin(caption) } : null,
    tags: tags.tagsOf(photoId).map((t) => ({
      name: t.name,
      source: t.source,
      score: t.score,
      from: describeTagOrigin(t),
    })),
  };
}
