// Search over the library: a query (text, images, weights, negatives) becomes one unit vector; the
// filters (folder, dates, format, camera, tags, albums) become the set of allowed photos. Filtered
// queries and libraries up to EXACT_LIMIT photos score every photo (one matrix product over the vectors
// in memory), so a filter never returns fewer than k results when k photos match; larger libraries go
// through the HNSW graph, whose recall the search checks itself (search-check.ts). A per-query
// relevance cut-off (relevance.ts) finds the group of photos that stands out at the top of the query's
// scores over the whole library (or a uniform sample of it beside the exact head), so a query shows
// every clearly relevant photo and says how many there are.

import { defined } from '../defined.js';
import { describePrecision } from '../clip/default-precision.js';
import { l2normalize } from '../clip/vectors.js';
import type { Album, SmartQuery } from '../tags/album-store.js';
import type { Library } from './library.js';
import { parseQuery, type QueryTerm } from './query-syntax.js';
import { IdSet, type IdLookup } from './id-set.js';
import { relevanceCut, type WeightedScore } from './relevance.js';
import { checkSearch, MIN_QUERIES, type SearchHealth } from './search-check.js';
import { scoreSample } from './score-sample.js';
import { bestRows, profileOf, weightedProfile } from './score-profile.js';
import { filterColumns, taggedPhotos } from './filter-columns.js';
import { filterQuery } from './search-filters.js';

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
   * Which photos to show: 'auto' (default) the strong matches, at least MIN_RESULTS, or the closest
   * `limit` when nothing stands out; 'strong' only the strong matches; 'all' the closest `limit`.
   * Without a limit, 'auto' and 'strong' show every strong match the graph's head holds (200).
   */
  matches?: MatchMode;
}

export const MATCH_MODES = ['auto', 'strong', 'all'] as const;
export type MatchMode = (typeof MATCH_MODES)[number];
/** The fewest results 'auto' shows: a query rarely has fewer relevant photos worth looking at. */
export const MIN_RESULTS = 5;

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
  /** At or above the cut-off: one of the photos that stand out. */
  strong: boolean;
}

export interface SearchResult {
  hits: SearchHit[];
  /** The lowest score of the photos that stand out (null: none stands out). */
  cutoff: number | null;
  /** How many photos stand out (estimated from a sample in large libraries). */
  strong: number;
  /** How many photos were compared: the library's indexed photos, or those the filters allowed. */
  searched: number;
  /** How many photos the filters allowed (null without filters). */
  allowed: number | null;
  exact: boolean;
}

/**
 * Up to this many photos to compare (the library's, or a filter's) a query is scored exactly, over the
 * vectors held in memory: matrix products. At 100k photos of 512 dimensions on two cores that is 8-10 ms
 * with recall 1.0, where the graph takes 4.3 ms at ef 200 but finds only 0.90 of the true 10 nearest for
 * a query far from every photo (0.97 at ef 400 in 6.6 ms, 0.997 at ef 800 in 10.7 ms). Beyond it the
 * cost grows with the photos compared (a million: ~100 ms) and queries go through the graph.
 */
export const EXACT_LIMIT = 100_000;
/**
 * From this many photos metadata filters are answered from columns in memory (filter-columns.ts): the
 * SQL for a filter allowing every photo of 100k takes ~20 ms, the columns ~1 ms (built once, ~0.2 s).
 */
const COLUMNS_FROM = 20_000;
/**
 * A filtered graph search first asks for this many times the neighbours the filter's share should
 * need, unfiltered, and keeps the allowed ones; up to WIDE_MOST neighbours (ef 3,200, what the check
 * settles on at a million photos: ~10 ms with the AVX-512 build), so for filters allowing 10 % or more.
 * At a million photos those allowing 10 % or fewer are scored exactly; in larger libraries the ones
 * between walk the graph filtered.
 */
const WIDE_SLACK = 1.5;
const WIDE_MOST = 3200;
/** How many candidates the graph is asked for: the exact head of the score distribution. */
const CANDIDATES = 200;
/** Results shown without a limit when nothing stands out, or with 'all'. */
const DEFAULT_LIMIT = 20;

interface Neighbours {
  hits: { id: number; score: number }[];
  exact: boolean;
  /** The query's scores over the photos searched, best first: all of them, or the head and a sample. */
  profile: WeightedScore[];
  searched: number;
}

/** The photos a query may return: those allowed (all when null), but for the one excluded. */
function keepOf(allowed: IdLookup | null, exclude: number | undefined): IdLookup {
  if (exclude === undefined) return allowed ?? { has: () => true };
  return { has: (id) => id !== exclude && (!allowed || allowed.has(id)) };
}

export class Searcher {
  constructor(
    private readonly library: Library,
    /** Spaces larger than this are searched through the graph when unfiltered (tests lower it). */
    private readonly exactLimit = EXACT_LIMIT,
  ) {}

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

  /** Whether metadata filters are answered from columns in memory (filter-columns.ts) rather than SQL. */
  private usesColumns(): boolean {
    return this.library.space.index.size > Math.min(this.exactLimit, COLUMNS_FROM);
  }

  /**
   * For the engine to call when the app is idle: builds the filter columns ahead of the first filtered
   * search that would (a million photos: 2-4 s; nothing for a library small enough for SQL, or when
   * they are current), then reads the vectors into memory for exact scoring, a chunk per turn (a
   * million photos: ~15 s), which a filtered search, the self-check or duplicates would otherwise wait
   * for. `stop` ends the reading early (the engine closing the library).
   */
  async prepare(stop: () => boolean = () => false): Promise<void> {
    if (this.usesColumns()) filterColumns(this.library.db, Date.now(), 0);
    const { index } = this.library.space;
    if (index.complete) await index.preloadRows(stop);
  }

  /** The ids the filters allow, or null for no filter. */
  async allowedIds(filters: SearchFilters = {}, depth = 0): Promise<IdSet | null> {
    const sets: IdSet[] = [];
    for (const name of filters.tags ?? []) {
      const category = this.library.tags.categoryByName(name);
      if (!category) throw new SearchFilterError(`no tag named "${name}"`);
      sets.push(taggedPhotos(this.library.db, category.id, (id) => this.library.tags.photosTagged([id])));
    }
    if (filters.albums?.length) {
      const inAny = new IdSet();
      for (const name of filters.albums) {
        const album = this.library.albums.byName(name);
        if (!album) throw new SearchFilterError(`no album named "${name}"`);
        for (const id of await this.albumPhotos(album, depth + 1)) inAny.add(id);
      }
      sets.push(inAny);
    }
    const query = filterQuery(filters);
    const [first, ...rest] = sets;
    let ids: IdSet;
    if (query) {
      // A large library answers from the columns in memory: SQL returns a row per allowed photo.
      const columns = this.usesColumns() ? filterColumns(this.library.db) : null;
      ids =
        columns?.allowed(filters) ??
        new IdSet(
          this.library.db
            .prepare(query.sql)
            .pluck()
            .all(...query.args) as number[],
        );
      if (first) ids.keepOnly(first);
    } else if (first) {
      // Tags or albums alone: their photos that are searchable, without listing every indexed photo
      // first (a million rows from SQL, ~150 ms).
      ids = first;
      ids.keepOnly(this.library.space.index);
    } else return null;
    for (const s of rest) ids.keepOnly(s);
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
    if (!terms.length) return allowed ? [...allowed.values()] : [...this.library.space.index.ids()];
    const limit = q.limit ?? 500;
    const found = await this.nearest(await this.queryVector(terms), Math.max(limit, CANDIDATES), allowed);
    return this.finish(found, { limit, matches: smartMatches(q) }, allowed).hits.map((h) => h.id);
  }

  /**
   * Nearest photos to a unit vector among the allowed ones. At most EXACT_LIMIT photos to compare (a
   * library that size, or a filter allowing that many), or a graph still being built, are scored
   * exactly over the vectors in memory: slower at a million photos, but never missing what the graph
   * lacks yet. More go through the graph, with a uniform sample of the rest for the score profile.
   */
  async nearest(
    query: Float32Array,
    k: number,
    allowed: IdSet | null,
    exclude?: number,
  ): Promise<Neighbours> {
    const { index } = this.library.space;
    const compared = allowed ? allowed.size : index.size;
    if (compared <= this.exactLimit || !index.complete) return this.exactNearest(query, k, allowed, exclude);
    // Kept for the next check of the graph's recall, even while checks send queries to exact. A
    // filtered query is checked as the same query unfiltered: the graph it walks is the same.
    this.library.recentQueries.add(query);
    const health = this.library.searchHealth;
    if (health.path === 'exact') return this.exactNearest(query, k, allowed, exclude);
    const keep = keepOf(allowed, exclude);
    const searched = compared - (exclude !== undefined && (allowed ?? index).has(exclude) ? 1 : 0);
    const hits = allowed
      ? this.graphNearestAllowed(query, k, keep, searched)
      : // Without a filter the excluded photo is dropped afterwards: a callback per candidate costs.
        index
          .search(query, k + (exclude !== undefined ? 1 : 0), undefined, health.ef ?? undefined)
          .filter((h) => h.id !== exclude)
          .slice(0, k);
    return {
      hits,
      exact: false,
      profile: await this.sampledProfile(query, hits, searched, keep),
      searched,
    };
  }

  /**
   * The k nearest of the `allowed` photos `keep` lets through, from the graph: a filter of many photos
   * (over EXACT_LIMIT, so at least 1 in 10 of a million). First the graph is asked, unfiltered, for
   * enough neighbours that k of them should be allowed (k over the filter's share, with slack), and the
   * allowed ones are kept: hnswlib calls back into JavaScript for each photo a filtered walk visits, so
   * at a million photos a filter allowing 17 % took 47 ms walking, 16 ms this way (p50s measured
   * alternately; 12 %: 44 against 17 ms; 33 %: 32 against 12 ms; recall@10 1.000 both ways).
   * The top k allowed among the graph's nearest are the top k allowed. When fewer than k are (a filter
   * at odds with the query), or the share would need too many neighbours, the filtered walk answers.
   */
  private graphNearestAllowed(
    query: Float32Array,
    k: number,
    keep: IdLookup,
    allowed: number,
  ): { id: number; score: number }[] {
    const { index } = this.library.space;
    // Both keep the index's own ef (2400) where it suffices: the check tunes ef on unfiltered queries
    // (the ef they need, applied to a wide filter, would ask the graph for more than the filter needs).
    const wide = Math.ceil(((k * index.size) / Math.max(allowed, 1)) * WIDE_SLACK);
    if (wide <= WIDE_MOST) {
      const near = index
        .search(query, wide, undefined, Math.max(index.params.efSearch, wide))
        .filter((h) => keep.has(h.id));
      if (near.length >= Math.min(k, allowed)) return near.slice(0, k);
    }
    return index.search(query, k, (id) => keep.has(id));
  }

  /**
   * Re-runs the recent queries the graph answered, exactly and through the graph, and keeps the
   * outcome: the ef that reaches the target recall, or the exact path (search-check.ts). Null when too
   * few queries have come since the last check.
   */
  async checkItself(): Promise<SearchHealth | null> {
    const { library } = this;
    if (library.recentQueries.size < MIN_QUERIES || !library.space.index.complete) return null;
    const queries = library.recentQueries.take();
    const { index } = library.space;
    const rows = index.rows();
    const health = await checkSearch(
      {
        graph: (q, k, ef) => index.search(q, k, undefined, ef).map((h) => h.id),
        exact: async (q, k) => {
          const { ids, scores } = await rows.scores(q);
          return bestRows(scores, k).map((r) => ids[r] as number);
        },
      },
      queries,
      library.searchHealth.ef ?? index.params.efSearch,
    );
    library.setSearchHealth(health);
    return health;
  }

  /** Every allowed photo scored (matrix products over them alone); the k best and the score profile. */
  private async exactNearest(
    query: Float32Array,
    k: number,
    allowed: IdLookup | null,
    exclude: number | undefined,
  ): Promise<Neighbours> {
    const rows = this.library.space.index.rows();
    const { ids, scores } =
      allowed || exclude !== undefined
        ? await rows.scoresWhere(query, keepOf(allowed, exclude))
        : await rows.scores(query);
    const searched = scores.length;
    const head = bestRows(scores, Math.min(searched, Math.max(k, CANDIDATES)));
    const hits = head.slice(0, k).map((r) => ({ id: ids[r] as number, score: scores[r] as number }));
    return { hits, exact: true, profile: profileOf(scores, head), searched };
  }

  /**
   * The query's score distribution over a large space: the graph's head (exact, weight 1), and below
   * it the library's uniform sample, each sampled photo standing for its share of the rest.
   */
  private async sampledProfile(
    query: Float32Array,
    head: readonly { id: number; score: number }[],
    searched: number,
    keep: IdLookup,
  ): Promise<WeightedScore[]> {
    const floor = head.at(-1)?.score ?? Infinity;
    const inHead = new Set(head.map((h) => h.id));
    const sample = scoreSample(this.library);
    const { ids, scores } = await sample.scores(query);
    const below: number[] = [];
    scores.forEach((s, r) => {
      const id = ids[r] as number;
      if (keep.has(id) && !inHead.has(id) && s < floor) below.push(s);
    });
    return weightedProfile(
      head.map((h) => h.score),
      below,
      searched - head.length,
    );
  }

  private finish(found: Neighbours, options: SearchOptions, allowed: IdSet | null): SearchResult {
    const { hits, exact, searched } = found;
    const cut = relevanceCut(found.profile);
    const cutoff = cut.threshold;
    const strong = cutoff === null ? [] : hits.filter((h) => h.score >= cutoff);
    const mode = options.matches ?? 'auto';
    // Unless a limit is asked for, every photo that stands out is shown (as far as the head reaches).
    const limit = options.limit ?? (mode === 'all' ? DEFAULT_LIMIT : Math.max(DEFAULT_LIMIT, strong.length));
    const kept = chooseShown(hits, strong, mode, limit);
    const rows = this.library.db.prepare(
      'SELECT path, COALESCE(taken_at, mtime_ms) AS t FROM photos WHERE id = ?',
    );
    const out = kept.map((h) => {
      const r = rows.get(h.id) as { path: string; t: number | null } | undefined;
      const isStrong = cutoff !== null && h.score >= cutoff;
      return { id: h.id, path: r?.path ?? '', score: h.score, takenAt: r?.t ?? null, strong: isStrong };
    });
    if (options.sort === 'date') out.sort((a, b) => (b.takenAt ?? 0) - (a.takenAt ?? 0));
    const strongCount = cutoff === null ? 0 : Math.max(Math.round(cut.strong), strong.length);
    return {
      hits: out,
      cutoff,
      strong: strongCount,
      searched,
      allowed: allowed ? allowed.size : null,
      exact,
    };
  }

  /** Throws NothingIndexedError when the library has photos but none is indexed for this model. */
  private checkIndexed(): void {
    if (this.library.space.index.size > 0) return;
    const { total } = this.library.store.counts(this.library.modelId);
    const { model } = this.library;
    if (total > 0)
      throw new NothingIndexedError(total, `${model.spec.name} (${describePrecision(model.precision)})`);
  }

  async search(query: string | QueryTerm[], options: SearchOptions = {}): Promise<SearchResult> {
    this.checkIndexed();
    const terms = typeof query === 'string' ? parseQuery(query) : query;
    const vector = await this.queryVector(terms);
    const allowed = await this.allowedIds(options.filters);
    const found = await this.nearest(vector, Math.max(options.limit ?? DEFAULT_LIMIT, CANDIDATES), allowed);
    return this.finish(found, options, allowed);
  }

  /** Photos like a library photo (by id) or any image file. */
  async similar(target: number | string, options: SearchOptions = {}): Promise<SearchResult> {
    this.checkIndexed();
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
    const found = await this.nearest(
      vector,
      Math.max(options.limit ?? DEFAULT_LIMIT, CANDIDATES),
      allowed,
      exclude,
    );
    return this.finish(found, options, allowed);
  }
}

export class SearchFilterError extends Error {
  override readonly name = 'SearchFilterError';
}

/**
 * A search in a library whose photos are not indexed for the model in use (a new model, another
 * variant, an index not run yet): searching would print nothing and look like no photo matched.
 */
export class NothingIndexedError extends Error {
  override readonly name = 'NothingIndexedError';
  constructor(
    readonly total: number,
    readonly model: string,
  ) {
    super(`0 of ${total} photo${total === 1 ? '' : 's'} indexed for ${model}`);
  }
}

/** The hits a match mode shows, best first (`strong` is the head of `hits` that passed the cut-off). */
function chooseShown<T>(hits: readonly T[], strong: readonly T[], mode: MatchMode, limit: number): T[] {
  if (mode === 'all') return hits.slice(0, limit);
  if (mode === 'strong') return strong.slice(0, limit);
  // Nothing stands out: the closest photos, ranked, rather than one.
  if (!strong.length) return hits.slice(0, limit);
  return hits.slice(0, Math.min(limit, Math.max(strong.length, MIN_RESULTS)));
}

/** A smart album's match mode; albums saved before modes existed kept a strictness (0: everything). */
function smartMatches(q: SmartQuery): MatchMode {
  if (q.matches) return q.matches;
  return q.strictness === 0 ? 'all' : 'auto';
}
