// Search over the library: a query (text, images, weights, negatives) becomes one unit vector; the
// filters (folder, dates, format, camera) become the set of allowed photos, applied inside the k-NN
// search so a filter never returns fewer than k results when k photos match. Small sets are searched
// exactly. An adaptive per-query cut-off keeps the results that stand out from the score distribution.

import { sep } from 'node:path';
import { defined } from '../defined.js';
import { l2normalize } from '../clip/vectors.js';
import type { Album, SmartQuery } from '../tags/album-store.js';
import type { Library } from './library.js';
import { blobToVector } from './photo-store.js';
import { parseQuery, type QueryTerm } from './query-syntax.js';

export interface SearchFilters {
  /** Only photos under this folder (any depth). */
  folder?: string;
  /** taken_at (or, without EXIF, the file's mtime) within [from, to], epoch ms. */
  from?: number;
  to?: number;
  formats?: string[];
  /** Case-insensitive substring of the camera. */
  camera?: string;
  /** Category names every result must carry (a rejected tag does not count). */
  tags?: string[];
  /** Album names; a result must be in at least one of them (smart albums are evaluated). */
  albums?: string[];
}

export interface SearchOptions {
  limit?: number;
  filters?: SearchFilters;
  sort?: 'score' | 'date';
  /**
   * Relevance cut-off strictness: results must stand this many robust standard deviations above the
   * median score of the candidates. 0 turns the cut-off off. Default 2.5.
   */
  strictness?: number;
}

/** Search options as they arrive from outside (the contract's params, parsed CLI options): any key undefined. */
type Loose<T> = { [K in keyof T]?: T[K] | undefined };
export type LooseSearchOptions = Loose<Omit<SearchOptions, 'filters'>> & {
  filters?: Loose<SearchFilters> | undefined;
};

/** The one conversion from options as they arrive to SearchOptions: undefined keys dropped. */
export function toSearchOptions(o: LooseSearchOptions): SearchOptions {
  const { filters, ...rest } = o;
  return defined({ ...rest, ...(filters && { filters: defined(filters) }) });
}

export interface SearchHit {
  id: number;
  path: string;
  score: number;
  takenAt: number | null;
}

export interface SearchResult {
  hits: SearchHit[];
  /** The score a result needed to pass the cut-off (null when it is off). */
  cutoff: number | null;
  /** How many photos the filters allowed (null without filters). */
  allowed: number | null;
  exact: boolean;
}

/** Below this many candidate photos, exact search is as fast as the graph and has perfect recall. */
export const EXACT_LIMIT = 4000;
/** How many candidates the cut-off looks at. */
const CANDIDATES = 200;

export class Searcher {
  constructor(private readonly library: Library) {}

  /** Embeds each term and combines them: sum of weight x embedding, normalised. */
  async queryVector(terms: readonly QueryTerm[]): Promise<Float32Array> {
    const { model, store } = this.library;
    const { modelId } = this.library.space;
    const texts = terms.filter((t) => t.kind === 'text');
    const images = terms.filter((t) => t.kind === 'image');
    const textVecs = texts.length ? await this.library.embedTexts(texts.map((t) => t.value)) : [];
    // A library photo's stored embedding is the one its neighbours were ranked with: use it.
    const stored = images.map((t) => {
      const id = store.photoByPath(t.value)?.id;
      return id === undefined ? undefined : store.vectors(modelId, [id]).get(id);
    });
    const toEncode = images.filter((_, i) => !stored[i]).map((t) => t.value);
    const encoded = toEncode.length ? await this.library.embedImages(toEncode) : [];
    const imageVecs = stored.map((v) => v ?? (encoded.shift() as Float32Array));
    const v = new Float32Array(model.embedDim);
    const add = (e: Float32Array, w: number): void => {
      for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) + w * (e[i] as number);
    };
    texts.forEach((t, i) => {
      add(textVecs[i] as Float32Array, t.weight);
    });
    images.forEach((t, i) => {
      add(imageVecs[i] as Float32Array, t.weight);
    });
    return l2normalize(v);
  }

  /** The ids the filters allow, or null for no filter. */
  async allowedIds(filters: SearchFilters = {}, depth = 0): Promise<Set<number> | null> {
    const where: string[] = ["status = 'indexed'"];
    const args: unknown[] = [];
    if (filters.folder) {
      const folder = filters.folder.endsWith(sep) ? filters.folder : filters.folder + sep;
      where.push('substr(path, 1, ?) = ?');
      args.push(folder.length, folder);
    }
    if (filters.from !== undefined) {
      where.push('COALESCE(taken_at, mtime_ms) >= ?');
      args.push(filters.from);
    }
    if (filters.to !== undefined) {
      where.push('COALESCE(taken_at, mtime_ms) <= ?');
      args.push(filters.to);
    }
    if (filters.formats?.length) {
      where.push(`format IN (${filters.formats.map(() => '?').join(',')})`);
      args.push(...filters.formats.map((f) => (f === 'jpg' ? 'jpeg' : f)));
    }
    if (filters.camera) {
      where.push("LOWER(COALESCE(camera, '')) LIKE ?");
      args.push(`%${filters.camera.toLowerCase()}%`);
    }
    const sets: Set<number>[] = [];
    for (const name of filters.tags ?? []) {
      const category = this.library.tags.categoryByName(name);
      if (!category) throw new SearchFilterError(`no tag named "${name}"`);
      sets.push(this.library.tags.photosTagged([category.id]));
    }
    if (filters.albums?.length) {
      const inAny = new Set<number>();
      for (const name of filters.albums) {
        const album = this.library.albums.byName(name);
        if (!album) throw new SearchFilterError(`no album named "${name}"`);
        for (const id of await this.albumPhotos(album, depth + 1)) inAny.add(id);
      }
      sets.push(inAny);
    }
    if (where.length === 1 && sets.length === 0) return null;
    let ids = new Set(
      this.library.db
        .prepare(`SELECT id FROM photos WHERE ${where.join(' AND ')}`)
        .pluck()
        .all(...args) as number[],
    );
    for (const s of sets) ids = new Set([...ids].filter((id) => s.has(id)));
    return ids;
  }

  /**
   * An album's photos: a manual album's members, or a smart album's query run now (ranked by its text
   * and examples with the adaptive cut-off when it has them, else everything its tags and filters allow).
   */
  async albumPhotos(album: Album, depth = 0): Promise<number[]> {
    if (!album.query) return this.library.albums.members(album.id);
    // A smart album filtering on albums that filter on it would never finish.
    if (depth > 4) throw new SearchFilterError(`album "${album.name}" refers to itself through other albums`);
    const q: SmartQuery = album.query;
    const filters: SearchFilters = {
      ...(q.folder !== undefined && { folder: q.folder }),
      ...(q.from !== undefined && { from: q.from }),
      ...(q.to !== undefined && { to: q.to }),
      ...(q.formats && { formats: q.formats }),
      ...(q.camera !== undefined && { camera: q.camera }),
      ...(q.tags && { tags: q.tags }),
    };
    const examples = (q.examples ?? [])
      .map((id) => this.library.store.photo(id)?.path)
      .filter((p): p is string => p !== undefined);
    const terms: QueryTerm[] = [
      ...(q.text?.trim() ? parseQuery(q.text) : []),
      ...examples.map((value): QueryTerm => ({ kind: 'image', value, weight: 1 })),
    ];
    const allowed = await this.allowedIds(filters, depth);
    if (!terms.length)
      return allowed ? [...allowed].sort((a, b) => a - b) : [...this.library.space.index.ids()];
    const limit = q.limit ?? 500;
    const { hits, exact } = this.nearest(await this.queryVector(terms), Math.max(limit, CANDIDATES), allowed);
    const strictness = q.strictness ?? 2.5;
    return this.finish(hits, { limit, strictness }, allowed, exact).hits.map((h) => h.id);
  }

  private exact(query: Float32Array, ids: Iterable<number>, k: number): { id: number; score: number }[] {
    const { store } = this.library;
    const { modelId } = this.library.space;
    const get = store.db.prepare('SELECT vector FROM embeddings WHERE model_id = ? AND photo_id = ?').pluck();
    const scored: { id: number; score: number }[] = [];
    for (const id of ids) {
      const blob = get.get(modelId, id) as Buffer | undefined;
      if (!blob) continue;
      const v = blobToVector(blob);
      let s = 0;
      for (let i = 0; i < v.length; i++) s += (v[i] as number) * (query[i] as number);
      scored.push({ id, score: s });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Nearest photos to a unit vector among the allowed ones. */
  nearest(
    query: Float32Array,
    k: number,
    allowed: Set<number> | null,
    exclude?: number,
  ): { hits: { id: number; score: number }[]; exact: boolean } {
    const { index } = this.library.space;
    const want = k + (exclude !== undefined ? 1 : 0);
    const pool = allowed ? [...allowed].filter((id) => index.has(id)) : null;
    const poolSize = pool ? pool.length : index.size;
    let hits: { id: number; score: number }[];
    let exact = poolSize <= EXACT_LIMIT;
    if (exact) hits = this.exact(query, pool ?? index.ids(), want);
    else {
      hits = index.search(query, want, allowed ? (id) => allowed.has(id) : undefined);
      if (hits.length < Math.min(want, poolSize)) {
        // The graph search gave up early under a very selective filter: fall back to exact.
        hits = this.exact(query, pool ?? index.ids(), want);
        exact = true;
      }
    }
    return { hits: hits.filter((h) => h.id !== exclude).slice(0, k), exact };
  }

  private finish(
    hits: { id: number; score: number }[],
    options: SearchOptions,
    allowed: Set<number> | null,
    exact: boolean,
  ): SearchResult {
    const limit = options.limit ?? 20;
    const strictness = options.strictness ?? 2.5;
    const cutoff =
      strictness > 0
        ? adaptiveCutoff(
            hits.map((h) => h.score),
            strictness,
          )
        : null;
    const kept = (cutoff === null ? hits : hits.filter((h, i) => i === 0 || h.score >= cutoff)).slice(
      0,
      limit,
    );
    const rows = this.library.db.prepare(
      'SELECT path, COALESCE(taken_at, mtime_ms) AS t FROM photos WHERE id = ?',
    );
    const out = kept.map((h) => {
      const r = rows.get(h.id) as { path: string; t: number | null } | undefined;
      return { id: h.id, path: r?.path ?? '', score: h.score, takenAt: r?.t ?? null };
    });
    if (options.sort === 'date') out.sort((a, b) => (b.takenAt ?? 0) - (a.takenAt ?? 0));
    return { hits: out, cutoff, allowed: allowed ? allowed.size : null, exact };
  }

  async search(query: string | QueryTerm[], options: SearchOptions = {}): Promise<SearchResult> {
    const terms = typeof query === 'string' ? parseQuery(query) : query;
    const vector = await this.queryVector(terms);
    const allowed = await this.allowedIds(options.filters);
    const { hits, exact } = this.nearest(vector, Math.max(options.limit ?? 20, CANDIDATES), allowed);
    return this.finish(hits, options, allowed, exact);
  }

  /** Photos like a library photo (by id) or any image file. */
  async similar(target: number | string, options: SearchOptions = {}): Promise<SearchResult> {
    const { store } = this.library;
    const { modelId } = this.library.space;
    let vector: Float32Array;
    let exclude: number | undefined;
    if (typeof target === 'number') {
      const v = store.vectors(modelId, [target]).get(target);
      if (!v) throw new Error(`photo ${target} is not indexed`);
      vector = v;
      exclude = target;
    } else {
      const row = store.photoByPath(target);
      const stored = row ? store.vectors(modelId, [row.id]).get(row.id) : undefined;
      vector =
        stored ??
        (await this.library.embedImages([target]))[0] ??
        new Float32Array(this.library.model.embedDim);
      exclude = stored ? row?.id : undefined;
    }
    const allowed = await this.allowedIds(options.filters);
    const { hits, exact } = this.nearest(vector, Math.max(options.limit ?? 20, CANDIDATES), allowed, exclude);
    return this.finish(hits, { strictness: 0, ...options }, allowed, exact);
  }
}

export class SearchFilterError extends Error {
  override readonly name = 'SearchFilterError';
}

/**
 * The score a result must reach to stand out: median + z x 1.4826 x MAD of the candidates' scores
 * (a robust mean + z sigma). Relevant photos of a query sit far above the bulk; the bar moves with
 * each query's own distribution instead of being one magic number.
 */
export function adaptiveCutoff(scores: readonly number[], z: number): number | null {
  if (scores.length < 8) return null;
  const sorted = [...scores].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const deviations = sorted.map((s) => Math.abs(s - median)).sort((a, b) => a - b);
  const mad = (deviations[Math.floor(deviations.length / 2)] as number) * 1.4826;
  return median + z * Math.max(mad, 1e-6);
}
