// Rows for categories, their cached prompt embeddings and calibration, photo tags and captions.
// Automatic tags are the only rows tagging may rewrite; manual, accepted and rejected tags belong to
// the user and survive every re-run.

import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../library/database.js';
import { blobToVector, vectorToBlob } from '../library/photo-store.js';
import type { EmbeddedLabels } from './embedded-keywords.js';
import { IdSet } from '../library/id-set.js';

export type TagSource = 'auto' | 'manual' | 'accepted' | 'rejected';

/** How many photos carry a category, by where the tag came from. */
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

/** The counts of a category no photo carries. */
export const noTags = (): TagCounts => ({ auto: 0, manual: 0, accepted: 0, rejected: 0 });

/** The photos carrying a category: automatic, yours and accepted (rejected ones do not). */
export const taggedOf = (c: TagCounts): number => c.auto + c.manual + c.accepted;

export interface CategoryInput {
  name: string;
  description?: string | null;
  prompts?: readonly string[];
  negativePrompts?: readonly string[];
  exclusiveGroup?: string | null;
  threshold?: number | null;
  auto?: boolean;
  enabled?: boolean;
}

export interface Category {
  id: number;
  name: string;
  description: string | null;
  prompts: string[];
  negativePrompts: string[];
  exclusiveGroup: string | null;
  threshold: number | null;
  auto: boolean;
  enabled: boolean;
}

export interface CategoryVectors {
  promptSet: string;
  positive: Float32Array;
  negatives: Float32Array[];
  threshold: number | null;
  spread: number | null;
  calibration: string | null;
}

export interface TagRow {
  photoId: number;
  categoryId: number;
  source: TagSource;
  score: number | null;
  margin: number | null;
}

/** A tag of one photo, as tagsOf gives it: the row, its category's name and its provenance. */
export interface PhotoTag extends TagRow {
  name: string;
  origin: string | null;
  model: string | null;
  adapter: string | null;
  promptSet: string | null;
}

export interface AutoTag {
  photoId: number;
  score: number;
  margin: number;
}

export interface Provenance {
  modelId: number;
  adapter: string | null;
  promptSet: string;
}

interface CategoryDbRow {
  id: number;
  name: string;
  description: string | null;
  prompts: string;
  negative_prompts: string;
  exclusive_group: string | null;
  threshold: number | null;
  auto: number;
  enabled: number;
}

export class CategoryError extends Error {
  override readonly name = 'CategoryError';
}

const texts = (json: string): string[] => {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

function toCategory(r: CategoryDbRow): Category {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    prompts: texts(r.prompts),
    negativePrompts: texts(r.negative_prompts),
    exclusiveGroup: r.exclusive_group,
    threshold: r.threshold,
    auto: r.auto === 1,
    enabled: r.enabled === 1,
  };
}

function cleanTexts(list: readonly string[] | undefined): string[] {
  return [...new Set((list ?? []).map((t) => t.trim()).filter(Boolean))];
}

/** Identifies the texts a category's vectors came from (plus the adapter that projected them). */
export function promptSetId(
  positive: readonly string[],
  negative: readonly string[],
  adapter: string | null,
): string {
  return createHash('sha256')
    .update(JSON.stringify({ positive, negative, adapter }))
    .digest('hex')
    .slice(0, 16);
}

/** Several unit vectors of one dimension packed in one blob. */
function packVectors(vs: readonly Float32Array[]): Buffer {
  const dim = vs[0]?.length ?? 0;
  const all = new Float32Array(vs.length * dim);
  vs.forEach((v, i) => {
    all.set(v, i * dim);
  });
  return vectorToBlob(all);
}

function unpackVectors(blob: Buffer | null, dim: number): Float32Array[] {
  if (!blob) return [];
  const all = blobToVector(blob);
  const out: Float32Array[] = [];
  for (let o = 0; o + dim <= all.length; o += dim) out.push(all.slice(o, o + dim));
  return out;
}

/** An existing automatic tag as a re-run reads it: photo, score, margin, and 1 if from the same model,
 * adapter and prompts. */
type OldAutoTag = [photoId: number, score: number, margin: number, sameProvenance: 0 | 1];

export class TagStore {
  constructor(readonly db: Db) {}

  // -- categories

  addCategory(input: CategoryInput): Category {
    const name = input.name.trim();
    if (!name) throw new CategoryError('a category needs a name');
    if (this.categoryByName(name)) throw new CategoryError(`category "${name}" already exists`);
    const now = Date.now();
    const r = this.db
      .prepare(
        `INSERT INTO categories (name, description, prompts, negative_prompts, exclusive_group, threshold, auto,
           enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        name,
        input.description?.trim() || null,
        JSON.stringify(cleanTexts(input.prompts)),
        JSON.stringify(cleanTexts(input.negativePrompts)),
        input.exclusiveGroup?.trim() || null,
        input.threshold ?? null,
        input.auto === false ? 0 : 1,
        input.enabled === false ? 0 : 1,
        now,
        now,
      );
    return this.category(Number(r.lastInsertRowid)) as Category;
  }

  /** Changes a category; the caller re-tags (its cached vectors are invalidated by the prompt set). */
  updateCategory(id: number, change: Partial<CategoryInput>): Category {
    const current = this.category(id);
    if (!current) throw new CategoryError(`no category with id ${id}`);
    const next = { ...current, ...change };
    const name = next.name.trim();
    const clash = this.categoryByName(name);
    if (clash && clash.id !== id) throw new CategoryError(`category "${name}" already exists`);
    this.db
      .prepare(
        `UPDATE categories SET name = ?, description = ?, prompts = ?, negative_prompts = ?, exclusive_group = ?,
           threshold = ?, auto = ?, enabled = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        name,
        next.description?.trim() || null,
        JSON.stringify(cleanTexts(next.prompts)),
        JSON.stringify(cleanTexts(next.negativePrompts)),
        next.exclusiveGroup?.trim() || null,
        next.threshold ?? null,
        next.auto ? 1 : 0,
        next.enabled ? 1 : 0,
        Date.now(),
        id,
      );
    return this.category(id) as Category;
  }

  removeCategory(id: number): boolean {
    return this.db.prepare('DELETE FROM categories WHERE id = ?').run(id).changes > 0;
  }

  category(id: number): Category | undefined {
    const r = this.db.prepare('SELECT * FROM categories WHERE id = ?').get(id) as CategoryDbRow | undefined;
    return r && toCategory(r);
  }

  categoryByName(name: string): Category | undefined {
    const r = this.db.prepare('SELECT * FROM categories WHERE name = ?').get(name.trim()) as
      CategoryDbRow | undefined;
    return r && toCategory(r);
  }

  categories(): Category[] {
    return (this.db.prepare('SELECT * FROM categories ORDER BY name').all() as CategoryDbRow[]).map(
      toCategory,
    );
  }

  // -- cached vectors and calibration, per model

  vectors(categoryId: number, modelId: number, dim: number): CategoryVectors | undefined {
    const r = this.db
      .prepare('SELECT * FROM category_embeddings WHERE category_id = ? AND model_id = ?')
      .get(categoryId, modelId) as
      | {
          prompt_set: string;
          positive: Buffer;
          negatives: Buffer | null;
          threshold: number | null;
          spread: number | null;
          calibration: string | null;
        }
      | undefined;
    if (!r) return undefined;
    return {
      promptSet: r.prompt_set,
      positive: blobToVector(r.positive),
      negatives: unpackVectors(r.negatives, dim),
      threshold: r.threshold,
      spread: r.spread,
      calibration: r.calibration,
    };
  }

  saveVectors(
    categoryId: number,
    modelId: number,
    v: Omit<CategoryVectors, 'threshold' | 'spread' | 'calibration'>,
  ): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO category_embeddings (category_id, model_id, prompt_set, positive, negatives)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(
        categoryId,
        modelId,
        v.promptSet,
        vectorToBlob(v.positive),
        v.negatives.length ? packVectors(v.negatives) : null,
      );
  }

  saveCalibration(
    categoryId: number,
    modelId: number,
    threshold: number,
    spread: number,
    method: string,
  ): void {
    this.db
      .prepare(
        'UPDATE category_embeddings SET threshold = ?, spread = ?, calibration = ? WHERE category_id = ? AND model_id = ?',
      )
      .run(threshold, spread, method, categoryId, modelId);
  }

  // -- tags

  /** A photo's tags by category name, each with what it records of where it came from. */
  tagsOf(photoId: number): PhotoTag[] {
    return this.db
      .prepare(
        `SELECT t.photo_id AS photoId, t.category_id AS categoryId, t.source, t.score, t.margin, c.name,
           t.origin, m.name AS model, t.adapter, t.prompt_set AS promptSet
         FROM photo_tags t JOIN categories c ON c.id = t.category_id LEFT JOIN models m ON m.id = t.model_id
         WHERE t.photo_id = ? ORDER BY c.name`,
      )
      .all(photoId) as PhotoTag[];
  }

  tagsFor(categoryId: number, sources?: readonly TagSource[]): TagRow[] {
    const rows = this.db
      .prepare(
        `SELECT photo_id AS photoId, category_id AS categoryId, source, score, margin FROM photo_tags
         WHERE category_id = ? ORDER BY photo_id`,
      )
      .all(categoryId) as TagRow[];
    return sources ? rows.filter((r) => sources.includes(r.source)) : rows;
  }

  /**
   * The indexed photos carrying a category, best first: the user's own (set, read from a file,
   * accepted), then Lumen's guesses by score. `limit` for covers.
   */
  photosOf(categoryId: number, limit = -1): number[] {
    return this.db
      .prepare(
        `SELECT t.photo_id FROM photo_tags t JOIN photos p ON p.id = t.photo_id
         WHERE t.category_id = ? AND t.source != 'rejected' AND p.status = 'indexed'
         ORDER BY t.source = 'auto', t.score DESC, t.photo_id LIMIT ?`,
      )
      .pluck()
      .all(categoryId, limit) as number[];
  }

  /** Photos the user tagged or rejected for a category: tagging never writes over them. */
  userDecided(categoryId: number): Set<number> {
    return new Set(
      this.db
        .prepare("SELECT photo_id FROM photo_tags WHERE category_id = ? AND source != 'auto'")
        .pluck()
        .all(categoryId) as number[],
    );
  }

  /** How many photos carry each category (or only `categoryId`), by where the tag came from. */
  tagCounts(categoryId?: number): Map<number, TagCounts> {
    const one = categoryId !== undefined;
    const rows = this.db
      .prepare(
        `SELECT category_id AS id, source, COUNT(*) AS n FROM photo_tags ${one ? 'WHERE category_id = ?' : ''}
         GROUP BY category_id, source`,
      )
      .all(...(one ? [categoryId] : [])) as { id: number; source: keyof TagCounts; n: number }[];
    const out = new Map<number, TagCounts>();
    for (const r of rows) {
      const c = out.get(r.id) ?? noTags();
      c[r.source] = r.n;
      out.set(r.id, c);
    }
    return out;
  }

  /** How many photos carry one category, by where the tag came from. */
  countsOf(categoryId: number): TagCounts {
    return this.tagCounts(categoryId).get(categoryId) ?? noTags();
  }

  /**
   * Replaces a category's automatic tags for the given photos (all photos when `scope` is null) with
   * `tags`, leaving the user's own rows alone. Runs in the caller's transaction when there is one.
   */
  replaceAutoTags(
    categoryId: number,
    scope: readonly number[] | null,
    tags: readonly AutoTag[],
    from: Provenance,
  ): void {
    const decided = this.userDecided(categoryId);
    const now = Date.now();
    this.db.transaction(() => {
      if (scope === null) {
        this.replaceAllAutoTags(categoryId, tags, from, decided, now);
        return;
      }
      const del = this.deleteAutoTag();
      for (const id of scope) del.run(categoryId, id);
      const put = this.upsertAutoTag();
      for (const t of tags) {
        if (decided.has(t.photoId)) continue;
        put.run(t.photoId, categoryId, t.score, t.margin, from.modelId, from.adapter, from.promptSet, now);
      }
    })();
  }

  private upsertAutoTag(): Statement {
    return this.db.prepare(
      `INSERT INTO photo_tags (photo_id, category_id, source, score, margin, model_id, adapter, prompt_set, updated_at)
       VALUES (?, ?, 'auto', ?, ?, ?, ?, ?, ?)
       ON CONFLICT (photo_id, category_id) DO UPDATE SET score = excluded.score, margin = excluded.margin,
         model_id = excluded.model_id, adapter = excluded.adapter, prompt_set = excluded.prompt_set,
         updated_at = excluded.updated_at WHERE photo_tags.source = 'auto'`,
    );
  }

  private deleteAutoTag(): Statement {
    return this.db.prepare(
      "DELETE FROM photo_tags WHERE category_id = ? AND photo_id = ? AND source = 'auto'",
    );
  }

  /**
   * A whole-library re-run writes only what changed: a re-run mostly reproduces the same tags with the
   * same scores, and rewriting 100k rows (and their index entries) was most of a tagging run's time.
   * A tag's updated_at therefore says when it last changed.
   */
  private replaceAllAutoTags(
    categoryId: number,
    tags: readonly AutoTag[],
    from: Provenance,
    decided: ReadonlySet<number>,
    now: number,
  ): void {
    // The old automatic tags in photo order (from the photo_tags_auto index alone), merged with the new
    // ones, which arrive in photo order from a library-wide scoring run. SQLite compares the provenance,
    // so each row comes back as three numbers rather than with two strings.
    const old = this.db
      .prepare(
        `SELECT photo_id, score, margin, (model_id IS ? AND adapter IS ? AND prompt_set IS ?) FROM photo_tags
         WHERE category_id = ? AND source = 'auto' ORDER BY photo_id`,
      )
      .raw()
      .all(from.modelId, from.adapter, from.promptSet, categoryId) as OldAutoTag[];
    const sorted = tags.every((t, i) => i === 0 || (tags[i - 1] as AutoTag).photoId < t.photoId)
      ? tags
      : [...tags].sort((a, b) => a.photoId - b.photoId);
    const put = this.upsertAutoTag();
    const stale: number[] = [];
    let j = 0;
    for (const t of sorted) {
      if (decided.has(t.photoId)) continue;
      while ((old[j]?.[0] ?? Infinity) < t.photoId) stale.push((old[j++] as OldAutoTag)[0]);
      const prev = old[j]?.[0] === t.photoId ? old[j++] : undefined;
      // Scores are float32 values stored as REAL, so an unchanged tag compares exactly equal.
      if (prev && prev[1] === t.score && prev[2] === t.margin && prev[3] === 1) continue;
      put.run(t.photoId, categoryId, t.score, t.margin, from.modelId, from.adapter, from.promptSet, now);
    }
    // What is left was tagged before and no longer is.
    while (j < old.length) stale.push((old[j++] as OldAutoTag)[0]);
    const del = this.deleteAutoTag();
    for (const id of stale) del.run(categoryId, id);
  }

  /**
   * The user's own tag: set by hand ('manual'), or an automatic one accepted or rejected in review.
   * Its origin says which ('you' or 'review'), unless the caller knows better (a file's field). A
   * rejection keeps the score so the queue can explain it.
   */
  setUserTag(
    photoId: number,
    categoryId: number,
    source: Exclude<TagSource, 'auto'>,
    origin: string = source === 'manual' ? 'you' : 'review',
  ): void {
    this.db
      .prepare(
        `INSERT INTO photo_tags (photo_id, category_id, source, origin, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (photo_id, category_id) DO UPDATE SET source = excluded.source, origin = excluded.origin,
           updated_at = excluded.updated_at`,
      )
      .run(photoId, categoryId, source, origin, Date.now());
  }

  /** The user's decision on many photos in one transaction; how many photos it changed. */
  setUserTags(photoIds: readonly number[], categoryId: number, source: Exclude<TagSource, 'auto'>): number {
    const before = this.db
      .prepare('SELECT source FROM photo_tags WHERE photo_id = ? AND category_id = ?')
      .pluck();
    let changed = 0;
    this.db.transaction(() => {
      for (const id of photoIds) {
        if (before.get(id, categoryId) === source) continue;
        this.setUserTag(id, categoryId, source);
        changed++;
      }
    })();
    return changed;
  }

  /** Removes a tag of any source (the user un-tagging a photo). */
  clearTag(photoId: number, categoryId: number): boolean {
    return (
      this.db
        .prepare('DELETE FROM photo_tags WHERE photo_id = ? AND category_id = ?')
        .run(photoId, categoryId).changes > 0
    );
  }

  /** Automatic tags, least certain first (smallest margin above the threshold). */
  reviewQueue(categoryId: number | null, limit: number): (TagRow & { name: string; path: string })[] {
    return this.db
      .prepare(
        `SELECT t.photo_id AS photoId, t.category_id AS categoryId, t.source, t.score, t.margin, c.name, p.path
         FROM photo_tags t JOIN categories c ON c.id = t.category_id JOIN photos p ON p.id = t.photo_id
         WHERE t.source = 'auto' AND (? IS NULL OR t.category_id = ?)
         ORDER BY ABS(t.margin), t.photo_id LIMIT ?`,
      )
      .all(categoryId, categoryId, limit) as (TagRow & { name: string; path: string })[];
  }

  /** Photo ids carrying a category (any source but rejected), for filters and smart albums. */
  photosTagged(categoryIds: readonly number[]): IdSet {
    if (!categoryIds.length) return new IdSet();
    return new IdSet(
      this.db
        .prepare(
          `SELECT photo_id FROM photo_tags WHERE source != 'rejected'
           AND category_id IN (${categoryIds.map(() => '?').join(',')})`,
        )
        .pluck()
        .all(...categoryIds) as number[],
    );
  }

  /**
   * Keywords and captions found in photo files become the user's own tags (manual) and captions
   * (source 'file'), since a person put them there; so do their stars and favourite marks. A keyword
   * with no category gets one that is never applied automatically. A tag the user rejected in Lumen
   * stays rejected.
   */
  applyFileLabels(items: readonly { id: number; labels: EmbeddedLabels }[]): void {
    if (!items.length) return;
    const now = Date.now();
    const put = this.db.prepare(
      `INSERT INTO photo_tags (photo_id, category_id, source, origin, updated_at) VALUES (?, ?, 'manual', ?, ?)
       ON CONFLICT (photo_id, category_id) DO UPDATE SET source = 'manual', origin = excluded.origin,
         score = NULL, margin = NULL, updated_at = excluded.updated_at WHERE photo_tags.source = 'auto'`,
    );
    const rate = this.db.prepare('UPDATE photos SET rating = ? WHERE id = ?');
    const favorite = this.db.prepare('UPDATE photos SET favorite = 1 WHERE id = ?');
    this.db.transaction(() => {
      for (const { id, labels } of items) {
        for (const keyword of labels.keywords) {
          const c =
            this.categoryByName(keyword.text) ?? this.addCategory({ name: keyword.text, auto: false });
          put.run(id, c.id, keyword.from, now);
        }
        if (labels.caption) this.setCaption(id, labels.caption.text, 'file', labels.caption.from);
        if (labels.rating !== null) rate.run(labels.rating, id);
        if (labels.favorite) favorite.run(id);
      }
    })();
  }

  // -- captions

  /** Sets a caption: typed by the user, or read from a file's field (`origin`, e.g. "XMP dc:description"). */
  setCaption(photoId: number, text: string, source: 'user' | 'file' = 'user', origin?: string): void {
    const clean = text.trim();
    if (!clean) {
      this.db.prepare('DELETE FROM captions WHERE photo_id = ?').run(photoId);
      return;
    }
    // A caption read from a file never replaces one the user wrote.
    this.db
      .prepare(
        `INSERT INTO captions (photo_id, text, source, origin, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (photo_id) DO UPDATE SET text = excluded.text, source = excluded.source,
           origin = excluded.origin, updated_at = excluded.updated_at
           WHERE excluded.source = 'user' OR captions.source = 'file'`,
      )
      .run(photoId, clean, source, origin ?? (source === 'user' ? 'you' : null), Date.now());
  }

  /** Sets (an empty text: removes) the user's captions of many photos in one transaction: all or none. */
  setCaptions(entries: readonly { photoId: number; text: string }[]): void {
    this.db.transaction(() => {
      for (const e of entries) this.setCaption(e.photoId, e.text, 'user');
    })();
  }

  caption(photoId: number): { text: string; source: 'user' | 'file'; origin: string | null } | undefined {
    return this.db.prepare('SELECT text, source, origin FROM captions WHERE photo_id = ?').get(photoId) as
      { text: string; source: 'user' | 'file'; origin: string | null } | undefined;
  }
}
