// Indexes pending photos: reading and decoding (sharp, on libuv's threads) of the next two batches and
// the writes of the previous one (on this thread) overlap with encoding (onnxruntime, in a worker) of
// the current one, at most four batches in memory. Each batch is written in one transaction, then added
// to the HNSW index, which is saved about once a minute with the database's change counter: a crash at
// any point leaves the database right and the index repairable on open.
// Pause, resume and cancel take effect between batches; progress reports done/total, photos/s and ETA.

import { errorMessage, ImageDecodeError } from '../clip/errors.js';
import { rgbToTensor } from '../clip/image-preprocess.js';
import type { ClipModel } from '../clip/clip-model.js';
import { hasLabels, type EmbeddedLabels } from '../tags/embedded-keywords.js';
import { readPhoto, type ReadPhoto } from './photo-reader.js';
import type { IndexedPhoto, PhotoStore } from './photo-store.js';
import type { ThumbnailStore } from './thumbnail-store.js';
import type { VectorIndex } from './vector-index.js';

/**
 * How often a run saves the graph on its way. Only for a crash: the database is the source of truth,
 * and the next open adds what a file lacks (in the background when it is a lot). Saving every 8
 * batches wrote the whole graph every 64 photos on a CPU (256 on a GPU), ~5 s each time at a million
 * photos (in proportion below): longer than indexing those photos took.
 */
export const SAVE_EVERY_MS = 60_000;
/** ...and never sooner than this many times the last save took, so saving costs at most a tenth. */
const SAVE_COST_TIMES = 9;

export interface IndexProgress {
  done: number;
  total: number;
  indexed: number;
  failed: number;
  photosPerSecond: number;
  etaSeconds: number | null;
  state: 'running' | 'paused' | 'finished' | 'cancelled';
}

export interface IndexJobDeps {
  store: PhotoStore;
  model: ClipModel;
  modelId: number;
  index: VectorIndex;
  thumbnails: ThumbnailStore;
  /** Records keywords and captions found in the photos (as the user's own tags and captions). */
  applyLabels?: (items: readonly { id: number; labels: EmbeddedLabels }[]) => void;
}

export interface IndexJobOptions {
  batchSize?: number;
  /**
   * Save the HNSW file once this long has passed since the last save (and always at the end); 0 after
   * every batch. Default SAVE_EVERY_MS.
   */
  saveEveryMs?: number;
  maxPixels?: number;
  onProgress?: (p: IndexProgress) => void;
  /** Called with each batch's ids once saved, and awaited (live tagging, tests). */
  onBatch?: (ids: readonly number[]) => void | Promise<void>;
}

/** known: indexed before (with another model), so its keywords and caption were read already. */
type Read = {
  id: number;
  known?: boolean;
  result: { ok: true; photo: ReadPhoto } | { ok: false; error: string };
};
type ReadOk = Read & { result: { ok: true; photo: ReadPhoto } };
type Prepared = Read[];

/**
 * Batches read ahead of the one encoding: with two, the decoders always have photos to work on, even
 * while the encoder waits for a batch's slowest photo (3% more photos/s than one on 2 cores).
 */
const AHEAD = 2;
/** A batch read and encoded, not yet written. */
type Encoded = { prepared: Prepared; ok: ReadOk[]; embeddings: Float32Array[] };

export class IndexJob {
  private pausedPromise: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private cancelled = false;
  private state: IndexProgress['state'] = 'running';

  constructor(
    private readonly deps: IndexJobDeps,
    private readonly options: IndexJobOptions = {},
  ) {}

  pause(): void {
    if (this.pausedPromise || this.cancelled) return;
    this.pausedPromise = new Promise((r) => (this.release = r));
    this.state = 'paused';
  }

  resume(): void {
    this.release?.();
    this.pausedPromise = null;
    this.release = null;
    if (!this.cancelled) this.state = 'running';
  }

  cancel(): void {
    this.cancelled = true;
    this.state = 'cancelled';
    this.resume();
  }

  private async prepare(ids: readonly number[]): Promise<Prepared> {
    const { store, model } = this.deps;
    return Promise.all(
      ids.map(async (id) => {
        const row = store.photo(id);
        if (!row) return { id, result: { ok: false as const, error: 'removed from the library' } };
        try {
          const photo = await readPhoto(
            row.path,
            model.spec.image,
            this.options.maxPixels ? { maxPixels: this.options.maxPixels } : {},
          );
          return { id, known: row.status === 'indexed', result: { ok: true as const, photo } };
        } catch (err) {
          return {
            id,
            result: {
              ok: false as const,
              error: err instanceof ImageDecodeError ? err.detail : errorMessage(err),
            },
          };
        }
      }),
    );
  }

  /** Saves one encoded batch (metadata, thumbnails, embeddings, labels, index); how many were saved. */
  private async write({ ok, embeddings }: Encoded): Promise<number> {
    if (!ok.length) return 0;
    const { store, modelId, index, thumbnails } = this.deps;
    const items: IndexedPhoto[] = ok.map((c, i) => {
      const { meta, thumbnail } = c.result.photo;
      return {
        id: c.id,
        meta,
        thumbnail: {
          file: thumbnails.write(meta.contentHash, thumbnail.webp),
          width: thumbnail.width,
          height: thumbnail.height,
        },
        embedding: embeddings[i] as Float32Array,
      };
    });
    const saved = new Set(store.saveIndexed(modelId, items));
    // A photo indexed before keeps its tags and captions as the user left them.
    this.deps.applyLabels?.(
      ok
        .filter((c) => saved.has(c.id) && !c.known && hasLabels(c.result.photo.labels))
        .map((c) => ({ id: c.id, labels: c.result.photo.labels })),
    );
    for (const item of items) if (saved.has(item.id)) index.add(item.id, item.embedding);
    await this.options.onBatch?.([...saved]);
    return saved.size;
  }

  async run(ids: readonly number[]): Promise<IndexProgress> {
    const { store, model, modelId, index } = this.deps;
    const batchSize = this.options.batchSize ?? (await model.vision.batchSize());
    const saveEveryMs = this.options.saveEveryMs ?? SAVE_EVERY_MS;
    const spec = model.spec.image;
    const per = 3 * spec.height * spec.width;
    const started = performance.now();
    let pausedMs = 0;
    const progress: IndexProgress = {
      done: 0,
      total: ids.length,
      indexed: 0,
      failed: 0,
      photosPerSecond: 0,
      etaSeconds: null,
      state: 'running',
    };
    const report = (): void => {
      const seconds = (performance.now() - started - pausedMs) / 1000;
      progress.photosPerSecond = seconds > 0 ? progress.done / seconds : 0;
      progress.etaSeconds =
        progress.photosPerSecond > 0 ? (progress.total - progress.done) / progress.photosPerSecond : null;
      progress.state = this.state;
      this.options.onProgress?.({ ...progress });
    };
    const batches: number[][] = [];
    for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize));
    // What is to come, before the first batch takes its time.
    report();
    const ahead: Promise<Prepared>[] = batches.slice(0, AHEAD).map((batch) => this.prepare(batch));
    // A batch's results are written while the next one encodes: the writes (SQLite, thumbnail files,
    // HNSW) run on this thread and the encoding on onnxruntime's, so neither waits for the other.
    let unwritten: Encoded | null = null;
    let lastSave = performance.now();
    let saveCost = 0;
    const write = async (): Promise<void> => {
      if (!unwritten) return;
      const batch = unwritten;
      unwritten = null;
      progress.indexed += await this.write(batch);
      progress.failed += batch.prepared.length - batch.ok.length;
      progress.done += batch.prepared.length;
      if (performance.now() - lastSave >= Math.max(saveEveryMs, SAVE_COST_TIMES * saveCost)) {
        const t = performance.now();
        index.save(store.changeCounter(modelId));
        lastSave = performance.now();
        saveCost = lastSave - t;
      }
      report();
    };
    for (let b = 0; b < batches.length; b++) {
      if (this.pausedPromise) {
        await write();
        report();
        const t = performance.now();
        await this.pausedPromise;
        pausedMs += performance.now() - t;
      }
      if (this.cancelled) break;
      const current = await (ahead.shift() as Promise<Prepared>);
      const following = batches[b + AHEAD];
      if (following) ahead.push(this.prepare(following));
      const ok = current.filter((c): c is ReadOk => c.result.ok);
      for (const c of current) if (!c.result.ok) store.recordFailure(c.id, c.result.error);
      let encoding: Promise<Float32Array[]> = Promise.resolve([]);
      if (ok.length > 0) {
        const pixels = new Float32Array(ok.length * per);
        ok.forEach((c, i) => rgbToTensor(c.result.photo.rgb, spec, pixels, i * per));
        encoding = model.vision.encodePixels(pixels, ok.length);
      }
      // A failed encoding must not leave the write of the batch before unawaited.
      const written = write();
      const [embeddings] = await Promise.all([encoding, written]);
      unwritten = { prepared: current, ok, embeddings };
    }
    await write();
    // A cancelled run leaves its look-ahead batches unwritten; those photos stay pending.
    await Promise.all(ahead.map((p) => p.catch(() => undefined)));
    index.save(store.changeCounter(modelId));
    if (!this.cancelled) this.state = 'finished';
    report();
    return { ...progress };
  }
}
