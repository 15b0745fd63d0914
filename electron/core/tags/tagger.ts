// Zero-shot tagging of the library with the user's categories. Each category's prompts become one
// averaged text embedding (and its negative prompts, a few more); tagging is then one matrix product
// of every stored photo embedding with every category vector, streamed in chunks from SQLite.
// Thresholds are calibrated per category on the library's scores (calibration.ts); inside an exclusive
// group a photo gets only the group's best category; a photo closer to a negative prompt than to the
// category is left out. Only automatic tags are rewritten: the user's own decisions always stand.

import type { ClipModel } from '../clip/clip-model.js';
import { l2normalize } from '../clip/vectors.js';
import type { Db } from '../library/database.js';
import { similarityMatrix } from '../math/onnx-matmul.js';
import { calibrate, type Calibration } from './calibration.js';
import { categoryPrompts } from './prompt-templates.js';
import {
  promptSetId,
  taggedOf,
  type AutoTag,
  type Category,
  type CategoryVectors,
  type TagStore,
} from './tag-store.js';

export interface TaggerDeps {
  db: Db;
  tags: TagStore;
  model: ClipModel;
  modelId: number;
  /** The active adapter's id, recorded with every tag (null: the plain model). */
  adapter?: () => string | null;
  /** Maps text embeddings into the space tagging compares in (the active adapter), identity by default. */
  projectText?: (v: Float32Array) => Float32Array;
}

export interface TagProgress {
  phase: 'prompts' | 'scoring' | 'saving';
  done: number;
  total: number;
}

export interface TagRunOptions {
  /** Only these categories (default: every enabled automatic one). */
  categoryIds?: readonly number[];
  /** Only these photos, against each category's stored calibration (new photos as they are indexed). */
  photoIds?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (p: TagProgress) => void;
}

export interface CategoryReport {
  id: number;
  name: string;
  /** The score a photo needed (a cosine; 1 or more: no photo stood out, none was tagged). */
  threshold: number;
  method: Calibration['method'] | 'user' | 'stored' | 'uncalibrated';
  /** Photos carrying the category after the run: automatic tags and the user's own (as tags list counts). */
  tagged: number;
  /** Of those, tagged automatically. */
  auto: number;
}

export interface TagRunReport {
  photos: number;
  categories: CategoryReport[];
  ms: number;
}

/** Photos scored per matrix product: 8192 x 512 floats is 16 MB. */
const CHUNK = 8192;

export class TagRunCancelled extends Error {
  override readonly name = 'TagRunCancelled';
  constructor() {
    super('tagging was cancelled');
  }
}

interface Scored {
  ids: Int32Array;
  /** scores[c * n + i]: photo i against category c's positive vector. */
  scores: Float32Array;
  /** Whether photo i is nearer a negative prompt of category c than to c itself. */
  blocked: Uint8Array;
}

export class Tagger {
  constructor(private readonly deps: TaggerDeps) {}

  private adapterId(): string | null {
    return this.deps.adapter?.() ?? null;
  }

  private async embed(textsIn: readonly string[]): Promise<Float32Array[]> {
    const vs = await this.deps.model.encodeTexts(textsIn);
    const project = this.deps.projectText;
    return project ? vs.map((v) => l2normalize(project(v))) : vs;
  }

  /** A category's vectors for the current model and adapter, from the cache or freshly encoded. */
  async vectorsOf(
    c: Pick<Category, 'id' | 'name' | 'description' | 'prompts' | 'negativePrompts'>,
  ): Promise<CategoryVectors> {
    const { tags, modelId, model } = this.deps;
    const positive = categoryPrompts(c);
    const promptSet = promptSetId(positive, c.negativePrompts, this.adapterId());
    const cached = c.id > 0 ? tags.vectors(c.id, modelId, model.embedDim) : undefined;
    if (cached?.promptSet === promptSet) return cached;
    const encoded = await this.embed([...positive, ...c.negativePrompts]);
    // The ensemble: the mean of the prompts' unit vectors, renormalised (CLIP paper, section 3.1.4).
    const mean = new Float32Array(model.embedDim);
    for (const v of encoded.slice(0, positive.length))
      for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (v[i] as number);
    const vectors = { promptSet, positive: l2normalize(mean), negatives: encoded.slice(positive.length) };
    if (c.id > 0) tags.saveVectors(c.id, modelId, vectors);
    return { ...vectors, threshold: null, spread: null, calibration: null };
  }

  /** Scores photos (all embedded ones, or the given ids) against the categories' vectors. */
  private async score(
    vectors: readonly CategoryVectors[],
    photoIds: readonly number[] | undefined,
    options: TagRunOptions,
  ): Promise<Scored> {
    const { db, modelId, model } = this.deps;
    const dim = model.embedDim;
    const queries: Float32Array[] = [];
    const owner: number[] = []; // which category each query column belongs to; -1-c for negatives
    vectors.forEach((v, c) => {
      queries.push(v.positive);
      owner.push(c);
      for (const neg of v.negatives) {
        queries.push(neg);
        owner.push(-1 - c);
      }
    });
    const total = photoIds
      ? photoIds.length
      : // Counted on the photo index, whose small entries are all it reads: through the primary key
        // SQLite walks the table itself, vectors included (100k: ~8 ms against ~80 ms).
        (db
          .prepare('SELECT COUNT(*) FROM embeddings INDEXED BY embeddings_photo WHERE model_id = ?')
          .pluck()
          .get(modelId) as number);
    const ids = new Int32Array(total);
    const scores = new Float32Array(vectors.length * total);
    const blocked = new Uint8Array(vectors.length * total);
    const rows = new Float32Array(CHUNK * dim);
    let filled = 0;
    let n = 0;
    const flush = async (): Promise<void> => {
      if (filled === 0) return;
      if (options.signal?.aborted) throw new TagRunCancelled();
      // Query by query: m[j * filled + i] is query j against photo i of this chunk.
      const m = await similarityMatrix(rows.subarray(0, filled * dim), filled, queries);
      owner.forEach((o, j) => {
        if (o >= 0) scores.set(m.subarray(j * filled, (j + 1) * filled), o * total + n);
      });
      // A photo nearer one of the category's negative prompts than to the category is left out.
      owner.forEach((o, j) => {
        if (o >= 0) return;
        const base = (-1 - o) * total + n;
        const row = j * filled;
        for (let i = 0; i < filled; i++)
          if ((m[row + i] as number) > (scores[base + i] as number)) blocked[base + i] = 1;
      });
      n += filled;
      filled = 0;
      options.onProgress?.({ phase: 'scoring', done: n, total });
    };
    // Straight into the chunk buffer, bytewise (SQLite's blob may not be 4-byte aligned), through one
    // byte view: a view per photo was 100k short-lived objects per run.
    const rowBytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
    const take = async (id: number, blob: Buffer): Promise<void> => {
      if (blob.length !== dim * 4)
        throw new Error(`photo ${id}: stored embedding has ${blob.length / 4} dimensions, the model ${dim}`);
      ids[n + filled] = id;
      rowBytes.set(blob, filled * dim * 4);
      if (++filled === CHUNK) await flush();
    };
    if (photoIds) {
      const get = db.prepare('SELECT vector FROM embeddings WHERE model_id = ? AND photo_id = ?').pluck();
      for (const id of photoIds) {
        const blob = get.get(modelId, id) as Buffer | undefined;
        if (blob) await take(id, blob);
      }
    } else {
      const all = db
        .prepare('SELECT photo_id, vector FROM embeddings WHERE model_id = ? ORDER BY photo_id')
        .raw();
      for (const [id, blob] of all.iterate(modelId) as IterableIterator<[number, Buffer]>)
        await take(id, blob);
    }
    await flush();
    return {
      ids: ids.subarray(0, n),
      scores: n === total ? scores : compact(scores, vectors.length, total, n),
      blocked: n === total ? blocked : compactBytes(blocked, vectors.length, total, n),
    };
  }

  /** Tags the library (or some photos) with the categories; returns what each category tagged. */
  async run(options: TagRunOptions = {}): Promise<TagRunReport> {
    const started = performance.now();
    const { tags, modelId } = this.deps;
    const all = tags.categories().filter((c) => c.enabled && c.auto);
    const chosen = options.categoryIds ? all.filter((c) => options.categoryIds?.includes(c.id)) : all;
    // Exclusive groups compare all their members, even those not being re-run.
    const groups = new Set(chosen.map((c) => c.exclusiveGroup).filter((g): g is string => g !== null));
    const cats = all.filter(
      (c) => chosen.includes(c) || (c.exclusiveGroup !== null && groups.has(c.exclusiveGroup)),
    );
    const vectors: CategoryVectors[] = [];
    for (const [i, c] of cats.entries()) {
      if (options.signal?.aborted) throw new TagRunCancelled();
      vectors.push(await this.vectorsOf(c));
      options.onProgress?.({ phase: 'prompts', done: i + 1, total: cats.length });
    }
    const { ids, scores, blocked } = await this.score(vectors, options.photoIds, options);
    const n = ids.length;
    const scoreOf = (c: number, i: number): number => scores[c * n + i] as number;

    // Thresholds: the user's, else calibrated on the whole library (full runs), else the stored one.
    // One transaction for all the saved calibrations, not a commit per category.
    const cal = this.deps.db.transaction(() =>
      cats.map((c, k): { threshold: number; spread: number; method: CategoryReport['method'] } => {
        const stored = vectors[k] as CategoryVectors;
        if (options.photoIds && (stored.threshold === null || stored.spread === null))
          // Never calibrated on the whole library: a few new photos are no basis for a threshold, so
          // this category waits for the next full run (Library.refreshTags).
          return { threshold: Infinity, spread: 1, method: 'uncalibrated' };
        if (options.photoIds && stored.threshold !== null && stored.spread !== null)
          return {
            threshold: c.threshold ?? stored.threshold,
            spread: stored.spread,
            method: c.threshold !== null ? 'user' : 'stored',
          };
        const fit = calibrate(scores.subarray(k * n, (k + 1) * n));
        if (!options.photoIds) tags.saveCalibration(c.id, modelId, fit.threshold, fit.spread, fit.method);
        return c.threshold !== null ? { threshold: c.threshold, spread: fit.spread, method: 'user' } : fit;
      }),
    )();
    // Exclusive groups: a photo keeps only its best category of the group.
    const winner = new Map<string, Int32Array>();
    for (const g of groups) {
      const members = cats.map((c, k) => (c.exclusiveGroup === g ? k : -1)).filter((k) => k >= 0);
      const best = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let top = members[0] as number;
        for (const k of members) if (scoreOf(k, i) > scoreOf(top, i)) top = k;
        best[i] = top;
      }
      winner.set(g, best);
    }

    const reports: CategoryReport[] = [];
    const total = chosen.length;
    let done = 0;
    const adapter = this.adapterId();
    // One transaction for the whole run's tags: a re-run lands all at once, and 200 categories do not
    // pay for 200 commits.
    this.deps.db.transaction(() => {
      for (const [k, c] of cats.entries()) {
        if (!chosen.includes(c)) continue;
        const { threshold, spread, method } = cal[k] as (typeof cal)[number];
        const best = c.exclusiveGroup !== null ? winner.get(c.exclusiveGroup) : undefined;
        const row = scores.subarray(k * n, (k + 1) * n);
        const out = blocked.subarray(k * n, (k + 1) * n);
        const found: AutoTag[] = [];
        for (let i = 0; i < n; i++) {
          const s = row[i] as number;
          if (s < threshold || out[i] || (best && best[i] !== k)) continue;
          found.push({
            photoId: ids[i] as number,
            score: s,
            margin: (s - threshold) / Math.max(spread, 1e-6),
          });
        }
        tags.replaceAutoTags(c.id, options.photoIds ?? null, found, {
          modelId,
          adapter,
          promptSet: (vectors[k] as CategoryVectors).promptSet,
        });
        const carried = tags.countsOf(c.id);
        reports.push({
          id: c.id,
          name: c.name,
          threshold,
          method,
          tagged: taggedOf(carried),
          auto: carried.auto,
        });
        options.onProgress?.({ phase: 'saving', done: ++done, total });
      }
    })();
    return { photos: n, categories: reports, ms: performance.now() - started };
  }

  /**
   * What a category would tag, before it is saved: its scores over the library, calibrated the same
   * way, best first. For the categories editor's live preview.
   */
  async preview(
    c: Pick<Category, 'name' | 'description' | 'prompts' | 'negativePrompts' | 'threshold'>,
    limit = 50,
  ): Promise<{
    calibration: Calibration;
    threshold: number;
    count: number;
    top: { photoId: number; score: number }[];
  }> {
    const v = await this.vectorsOf({ id: 0, ...c });
    const { ids, scores, blocked } = await this.score([v], undefined, {});
    const calibration = calibrate(scores);
    const threshold = c.threshold ?? calibration.threshold;
    const passing: { photoId: number; score: number }[] = [];
    for (let i = 0; i < ids.length; i++)
      if ((scores[i] as number) >= threshold && !blocked[i])
        passing.push({ photoId: ids[i] as number, score: scores[i] as number });
    passing.sort((a, b) => b.score - a.score);
    return { calibration, threshold, count: passing.length, top: passing.slice(0, limit) };
  }
}

/** Keeps the first n of every `total`-long row (photos that had no embedding after all). */
function compact(a: Float32Array, rows: number, total: number, n: number): Float32Array {
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * total, r * total + n), r * n);
  return out;
}

function compactBytes(a: Uint8Array, rows: number, total: number, n: number): Uint8Array {
  const out = new Uint8Array(rows * n);
  for (let r = 0; r < rows; r++) out.set(a.subarray(r * total, r * total + n), r * n);
  return out;
}
