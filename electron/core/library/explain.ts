// Why a photo matched: its cosine with each term of a query (and with the combined query, which is
// its search score), with each prompt a category is tagged by, and its nearest photos that people
// labelled (a caption or a tag they set or accepted). Everything in the space search uses (the
// active adapter's), with the photo's stored embedding: the same numbers search and tagging saw.

import { dot, l2normalize } from '../clip/vectors.js';
import { categoryPrompts } from '../tags/prompt-templates.js';
import type { Library } from './library.js';
import { IdSet } from './id-set.js';
import { parseQuery } from './query-syntax.js';
import type { Searcher } from './search.js';

export interface Explanation {
  /** The photo's score for the query, else its tag score for the category (null without either). */
  score: number | null;
  /** Each query term's cosine with the photo; the weight as parsed, negative for " - " terms. */
  terms: { text: string; weight: number; score: number }[];
  /** Each prompt the category is tagged by, with its cosine to the photo, best first. */
  prompts: { prompt: string; score: number }[];
  neighbours: { photoId: number; score: number; caption: string | null; tags: string[] }[];
}

export interface ExplainOptions {
  query?: string;
  categoryId?: number;
  /** How many labelled neighbours (default 5). */
  neighbours?: number;
}

export class ExplainError extends Error {
  override readonly name = 'ExplainError';
}

export async function explainPhoto(
  library: Library,
  searcher: Searcher,
  photoId: number,
  options: ExplainOptions = {},
): Promise<Explanation> {
  const { modelId } = library.space;
  const photo = library.store.vectors(modelId, [photoId]).get(photoId);
  if (!photo) throw new ExplainError(`photo ${photoId} is not indexed`);
  const out: Explanation = { score: null, terms: [], prompts: [], neighbours: [] };

  if (options.categoryId !== undefined) {
    const category = library.tags.category(options.categoryId);
    if (!category) throw new ExplainError(`no category ${options.categoryId}`);
    // The texts the tagger averages into the category's vector, each through the active adapter.
    const prompts = categoryPrompts(category);
    const vectors = await library.embedTexts(prompts);
    out.prompts = prompts
      .map((prompt, i) => ({ prompt, score: dot(vectors[i] as Float32Array, photo) }))
      .sort((a, b) => b.score - a.score);
    out.score = library.tags.tagsOf(photoId).find((t) => t.categoryId === category.id)?.score ?? null;
  }

  if (options.query?.trim()) {
    const terms = parseQuery(options.query);
    // Each term alone (weight 1) is its unit vector; the query is their weighted sum, normalised,
    // exactly as Searcher.queryVector builds it.
    const units: Float32Array[] = [];
    for (const t of terms) units.push(await searcher.queryVector([{ ...t, weight: 1 }]));
    const combined = new Float32Array(photo.length);
    terms.forEach((t, i) => {
      const u = units[i] as Float32Array;
      for (let k = 0; k < combined.length; k++)
        combined[k] = (combined[k] as number) + t.weight * (u[k] as number);
    });
    out.terms = terms.map((t, i) => ({
      text: t.value,
      weight: t.weight,
      score: dot(units[i] as Float32Array, photo),
    }));
    out.score = dot(l2normalize(combined), photo);
  }

  const labelled = new IdSet(
    library.db
      .prepare(
        `SELECT photo_id FROM captions UNION
         SELECT photo_id FROM photo_tags WHERE source IN ('accepted', 'manual')`,
      )
      .pluck()
      .all() as number[],
  );
  labelled.delete(photoId);
  if (labelled.size) {
    const { hits } = await searcher.nearest(photo, options.neighbours ?? 5, labelled, photoId);
    out.neighbours = hits.map((h) => ({
      photoId: h.id,
      score: h.score,
      caption: library.tags.caption(h.id)?.text ?? null,
      tags: library.tags
        .tagsOf(h.id)
        .filter((t) => t.source === 'accepted' || t.source === 'manual')
        .map((t) => t.name),
    }));
  }
  return out;
}
