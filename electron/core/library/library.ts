// The library engine's front door: the records (library-records.ts) plus one model, its HNSW index per
// embedding space, search and tagging. Scans reconcile the database with the disk (library-scan.ts);
// indexing runs as an IndexJob; bringing the library up to date as a whole is library-update.ts. Plain
// Node, used by the CLI, the engine process and the tests.

import { basename, join, resolve } from 'node:path';
import type { ClipModel } from '../clip/clip-model.js';
import { fillSpace, projectVector } from '../finetune/adapter-space.js';
import { AdapterError, type AdapterRecord, type HistoryChange } from '../finetune/adapter-store.js';
import type { AdapterParams } from '../finetune/contrastive-loss.js';
import { quietLogger, type Logger } from '../log.js';
import { Tagger, type TagProgress, type TagRunReport } from '../tags/tagger.js';
import type { Db } from './database.js';
import { compileExclusions, type Exclusions } from './exclusions.js';
import { checkLibraryFolder } from './library-folders.js';
import { IndexJob, type IndexJobOptions } from './index-job.js';
import { LibraryRecords, openLibraryDatabase, type ModelRecord } from './library-records.js';
import { scanLibrary, type ScanOptions, type ScanSummary } from './library-scan.js';
import { readSearchHealth, RecentQueries, writeSearchHealth, type SearchHealth } from './search-check.js';
import { ThumbnailStore } from './thumbnail-store.js';
import {
  DEFAULT_INDEX_PARAMS,
  VectorIndex,
  type IndexParams,
  type ProgressFn,
  type RepairReport,
} from './vector-index.js';

export type { LibraryStatus } from './library-records.js';
export type { ScanSummary } from './library-scan.js';

export interface EmbeddingSpace {
  modelId: number;
  index: VectorIndex;
  adapter: AdapterRecord | null;
  params: AdapterParams | null;
}

export interface LibraryOptions {
  dbPath: string;
  model: ClipModel;
  logger?: Logger;
  indexParams?: IndexParams;
  onRepairProgress?: ProgressFn;
  /** Create the library when there is none at dbPath (default true; read-only commands say false). */
  create?: boolean;
}

/** Activating an adapter: re-projecting the photos' embeddings into its space, then indexing them. */
export type AdapterPhase = 'projecting' | 'indexing';
export type AdapterProgressFn = (done: number, total: number, phase: AdapterPhase) => void;

/** Identifies a model's embedding space: same weights, same vectors. */
export function modelKey(model: ClipModel): string {
  const file = model.vision.file;
  return `${model.spec.name}|${basename(file)}|${model.embedDim}`;
}

export class Library extends LibraryRecords {
  readonly thumbnails: ThumbnailStore;
  /** The model's own embedding space: what indexing writes. */
  readonly modelId: number;
  readonly index: VectorIndex;
  readonly repair: RepairReport;
  /** The space search, similar and tagging use: the model's own, or the active adapter's. */
  space: EmbeddingSpace;
  tagger: Tagger;
  /** Recent queries the graph answered, for the next check of its recall (search-check.ts). */
  readonly recentQueries = new RecentQueries();
  /** The last check's outcome: the graph's ef, or the exact path, for unfiltered queries. */
  searchHealth: SearchHealth;
  private readonly logger: Logger;
  private readonly indexParams: IndexParams;

  private constructor(
    db: Db,
    readonly model: ClipModel,
    options: LibraryOptions,
  ) {
    super(db, options.dbPath);
    this.logger = options.logger ?? quietLogger;
    const { dataDir } = this;
    this.indexParams = options.indexParams ?? DEFAULT_INDEX_PARAMS;
    this.searchHealth = readSearchHealth(db);
    this.thumbnails = new ThumbnailStore(join(dataDir, 'thumbnails'));
    const key = modelKey(model);
    this.modelId = this.store.modelId(key, model.spec.name, model.embedDim);
    this.store.modelOpened(this.modelId, model.precision.vision);
    const indexFile = join(dataDir, 'index', `model-${this.modelId}.hnsw`);
    const { index, report } = VectorIndex.open(
      indexFile,
      this.store.vectorSource(this.modelId, model.embedDim),
      options.indexParams ?? DEFAULT_INDEX_PARAMS,
      options.onRepairProgress,
    );
    this.index = index;
    this.repair = report;
    this.space = { modelId: this.modelId, index, adapter: null, params: null };
    this.tagger = this.makeTagger();
    if (report.action !== 'loaded')
      this.logger.info(`index ${report.action}: ${report.reason} (${report.count} vectors)`);
  }

  /** Opens the library in the model's own embedding space, leaving any active adapter off. */
  static open(options: LibraryOptions): Library {
    const db = openLibraryDatabase(options.dbPath, { create: options.create ?? true });
    try {
      return new Library(db, options.model, options);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Opens the library as the user left it: with its active adapter, if any (re-projecting what is missing). */
  static async load(options: LibraryOptions): Promise<Library> {
    const library = Library.open(options);
    const active = library.adapters.active(library.modelId);
    if (active) await library.useAdapter(active.id, options.onRepairProgress, 'keep');
    return library;
  }

  override close(): void {
    // A graph still building is dropped (rebuilt on the next open); a complete one is saved.
    for (const index of new Set([this.index, this.space.index])) index.stopBuilding();
    this.index.save(this.store.changeCounter(this.modelId));
    if (this.space.index !== this.index) this.space.index.save(this.store.changeCounter(this.space.modelId));
    super.close();
  }

  private makeTagger(): Tagger {
    const { params, adapter } = this.space;
    return new Tagger({
      db: this.db,
      tags: this.tags,
      model: this.model,
      modelId: this.space.modelId,
      adapter: () => (adapter ? `v${adapter.version}` : null),
      ...(params?.text && { projectText: (v: Float32Array) => projectVector(v, params.text) }),
    });
  }

  /** Text embeddings in the space search compares in (through the active adapter's text side). */
  async embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    const vs = await this.model.encodeTexts(texts);
    const w = this.space.params?.text ?? null;
    return vs.map((v) => projectVector(v, w));
  }

  async embedImages(paths: readonly string[]): Promise<Float32Array[]> {
    const vs = await this.model.encodeImages(paths);
    const w = this.space.params?.image ?? null;
    return vs.map((v) => projectVector(v, w));
  }

  /**
   * Makes an adapter active (null: none, the model as it came). An image-side adapter's space is
   * filled with every photo's re-projected embedding (from the vectors in memory, with progress) and
   * search uses it at once, scoring exactly while its own index is built in the background
   * ('indexing' progress continues after this returns; `space.index.whenComplete()` waits for it).
   */
  async useAdapter(
    adapterId: number | null,
    onProgress?: AdapterProgressFn,
    history: HistoryChange = 'push',
  ): Promise<void> {
    const previous = this.space.index;
    if (previous !== this.index) {
      previous.stopBuilding();
      previous.save(this.store.changeCounter(this.space.modelId));
    }
    if (adapterId === null) {
      this.adapters.setActive(this.modelId, null, history);
      this.space = { modelId: this.modelId, index: this.index, adapter: null, params: null };
      this.tagger = this.makeTagger();
      return;
    }
    const adapter = this.adapters.get(adapterId);
    if (!adapter || adapter.modelId !== this.modelId)
      throw new AdapterError(`no adapter ${adapterId} for this model`);
    const params = this.adapters.params(adapterId);
    let space: EmbeddingSpace = { modelId: this.modelId, index: this.index, adapter, params };
    if (params.image) {
      const spaceId = this.store.modelId(
        `${modelKey(this.model)}|adapter:${adapter.id}`,
        `${this.model.spec.name} + adapter v${adapter.version}`,
        this.model.embedDim,
      );
      this.adapters.setSpace(adapter.id, spaceId);
      await fillSpace(
        this.store,
        { modelId: this.modelId, rows: this.index.rows() },
        spaceId,
        params.image,
        (done, total) => {
          onProgress?.(done, total, 'projecting');
        },
      );
      const { index } = VectorIndex.open(
        join(this.dataDir, 'index', `model-${spaceId}.hnsw`),
        this.store.vectorSource(spaceId, this.model.embedDim),
        this.indexParams,
        (done, total) => {
          onProgress?.(done, total, 'indexing');
        },
      );
      space = { modelId: spaceId, index, adapter, params };
    }
    this.adapters.setActive(this.modelId, adapter.id, history);
    this.space = space;
    this.tagger = this.makeTagger();
  }

  /** Keeps a check's outcome: search uses it from now on, and so does the library when next opened. */
  setSearchHealth(health: SearchHealth): void {
    writeSearchHealth(this.db, health);
    this.searchHealth = health;
  }

  /** Adds a photo folder: an existing absolute directory that is not a system folder (FolderError). */
  addFolder(path: string): void {
    this.store.addFolder(checkLibraryFolder(path));
  }

  /** Forgets a folder and its photos (the files are not touched). */
  removeFolder(path: string): number {
    const folder = this.store.folders().find((f) => f.path === resolve(path));
    if (!folder) return 0;
    const ids = this.store.photosInFolder(folder.id).map((p) => p.id);
    this.store.removeFolder(folder.path);
    this.forget(ids);
    return ids.length;
  }

  /** Forgets photos whose files are gone (moved to the trash), with their tags, captions and vectors. */
  removePhotos(ids: readonly number[]): void {
    this.store.deletePhotos(ids);
    this.forget(ids);
  }

  /**
   * Drops the photos from the graphs. Not saved here: writing a graph costs ~5 s at a million photos,
   * and a deleted file (the watcher) would pay it each time. The graph is saved on close and after
   * indexing; a file left behind by a crash is behind the database's counter, so the next open marks
   * these photos deleted in it (VectorIndex.open).
   */
  private forget(ids: readonly number[]): void {
    for (const index of new Set([this.index, this.space.index])) for (const id of ids) index.remove(id);
  }

  /** What scans and watching leave out: the library's own folders and the user's patterns. */
  exclusions(): Exclusions {
    return compileExclusions(this.settings.get().exclude, this.ownFolders());
  }

  /**
   * Reconciles the folders (or only the given paths in them) with the disk. Unchanged files (size +
   * mtime) are not read; an unavailable folder keeps its photos (library-scan.ts).
   */
  async scan(options: ScanOptions = {}): Promise<ScanSummary> {
    const summary = await scanLibrary(
      {
        store: this.store,
        exclusions: this.exclusions(),
        transaction: (fn) => {
          this.db.transaction(fn)();
        },
        forget: (ids) => {
          this.forget(ids);
        },
      },
      options,
    );
    this.logger.info(
      `scan: ${summary.added} new, ${summary.changed} changed, ${summary.moved} moved, ${summary.removed} removed, ${summary.unchanged} unchanged`,
    );
    return summary;
  }

  /**
   * A job that indexes every photo pending for this model: new or changed ones, and those indexed with
   * another model only (their tags, captions and thumbnail stay; this model's embedding is added).
   */
  indexJob(options: IndexJobOptions = {}): { job: IndexJob; ids: number[] } {
    const { onBatch } = options;
    const job = new IndexJob(
      {
        store: this.store,
        model: this.model,
        modelId: this.modelId,
        index: this.index,
        thumbnails: this.thumbnails,
        applyLabels: (items) => {
          this.tags.applyFileLabels(items);
        },
      },
      {
        ...options,
        // New photos are tagged as they are indexed, against each category's calibrated threshold.
        onBatch: async (ids) => {
          // New photos join the active adapter's space as they are indexed.
          const { params, modelId: spaceId, index } = this.space;
          if (params?.image && spaceId !== this.modelId) {
            await fillSpace(
              this.store,
              { modelId: this.modelId, rows: this.index.rows() },
              spaceId,
              params.image,
            );
            for (const [id, v] of this.store.vectors(spaceId, ids)) index.add(id, v);
          }
          if (this.tags.categories().some((c) => c.auto && c.enabled))
            await this.tagger.run({ photoIds: ids });
          await onBatch?.(ids);
        },
      },
    );
    return { job, ids: this.store.pendingIds(this.modelId) };
  }

  /**
   * After indexing: re-tags the whole library (recalibrating every category) when categories were
   * never calibrated or the library grew by a tenth since; otherwise the live tags stand.
   */
  async refreshTags(
    newlyIndexed: number,
    signal?: AbortSignal,
    onProgress?: (p: TagProgress) => void,
  ): Promise<TagRunReport | null> {
    const cats = this.tags.categories().filter((c) => c.auto && c.enabled);
    if (!cats.length) return null;
    const uncalibrated = cats.some(
      (c) => this.tags.vectors(c.id, this.space.modelId, this.model.embedDim)?.threshold == null,
    );
    const size = this.space.index.size;
    if (!uncalibrated && newlyIndexed < 0.1 * Math.max(size - newlyIndexed, 1)) return null;
    return this.tagger.run({ ...(signal && { signal }), ...(onProgress && { onProgress }) });
  }

  /** This library's model: status counts what is searchable with it. */
  override currentModel(): ModelRecord {
    return {
      id: this.modelId,
      name: this.model.spec.name,
      dim: this.model.embedDim,
      variant: this.model.precision.vision,
    };
  }
}
