// The engine behind every UI: the handlers of the API contract (electron/shared/api.ts) over one
// Library, plus the long jobs (indexing, tagging) and their events. Plain Node: the Electron utility
// process, `lumen serve` and the tests all run this same object; transports only validate and relay.

import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { IndexJob } from '../core/library/index-job.js';
import type { Library } from '../core/library/library.js';
import { Searcher, type SearchOptions } from '../core/library/search.js';
import type { CategoryInput } from '../core/tags/tag-store.js';
import {
  API,
  ApiError,
  type EventData,
  type EventName,
  type Method,
  type Params,
  type Result,
} from '../shared/api.js';

type Handlers = { [M in Method]: (params: Params<M>) => Promise<Result<M>> | Result<M> };

/** Drops the keys whose value is undefined (zod output vs exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

function searchOptions(p: Params<'search.text'> | Params<'search.similar'>): SearchOptions {
  return defined({
    limit: p.limit,
    strictness: p.strictness,
    sort: p.sort,
    filters: p.filters ? defined(p.filters) : undefined,
  });
}

function categoryInput(p: {
  [K in keyof Params<'tags.add'>]?: Params<'tags.add'>[K] | undefined;
}): Partial<CategoryInput> {
  return defined({ ...p });
}

export class Engine {
  private readonly events = new EventEmitter();
  private job: IndexJob | null = null;
  private readonly searcher: Searcher;
  private readonly handlers: Handlers;

  constructor(readonly library: Library) {
    this.searcher = new Searcher(library);
    this.handlers = this.makeHandlers();
  }

  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends EventName>(event: E, data: EventData<E>): void {
    this.events.emit(event, data);
  }

  /** Runs a validated request; the result is checked against the contract before it leaves. */
  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    const handler = this.handlers[method] as (p: Params<M>) => Promise<Result<M>> | Result<M>;
    let result: Result<M>;
    try {
      result = await handler(params);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('failed', err instanceof Error ? err.message : String(err));
    }
    return API[method].result.parse(result) as Result<M>;
  }

  private async runIndex(): Promise<void> {
    const { library } = this;
    await library.scan();
    this.emit('library.changed', { reason: 'scan' });
    const { job, ids } = library.indexJob({
      onProgress: (p) => {
        this.emit('index.progress', p);
      },
      onBatch: () => {
        this.emit('library.changed', { reason: 'indexed' });
      },
    });
    this.job = job;
    try {
      const result = await job.run(ids);
      if (result.state === 'finished') await library.refreshTags(result.indexed);
    } finally {
      this.job = null;
      this.emit('library.changed', { reason: 'index finished' });
    }
  }

  private makeHandlers(): Handlers {
    const { library } = this;
    const photoOrThrow = (id: number) => {
      const row = library.store.photo(id);
      if (!row) throw new ApiError('not-found', `no photo ${id}`);
      return row;
    };
    const ok = { ok: true as const };
    return {
      'library.status': () => library.status(),
      'library.addFolder': ({ path }) => {
        library.addFolder(resolve(path));
        this.emit('library.changed', { reason: 'folder added' });
        return ok;
      },
      'library.removeFolder': ({ path }) => ({ removed: library.removeFolder(resolve(path)) }),
      'index.start': () => {
        if (this.job) return { started: false };
        void this.runIndex().catch((err: unknown) => {
          this.emit('library.changed', {
            reason: `index failed: ${err instanceof Error ? err.message : String(err)}`,
          });
        });
        return { started: true };
      },
      'index.pause': () => {
        this.job?.pause();
        return ok;
      },
      'index.resume': () => {
        this.job?.resume();
        return ok;
      },
      'index.cancel': () => {
        this.job?.cancel();
        return ok;
      },
      'search.text': (p) => this.searcher.search(p.query, searchOptions(p)),
      'search.similar': (p) => {
        photoOrThrow(p.photoId);
        return this.searcher.similar(p.photoId, searchOptions(p));
      },
      'photos.get': ({ id }) => {
        const row = photoOrThrow(id);
        return {
          id: row.id,
          path: row.path,
          width: row.width,
          height: row.height,
          format: row.format,
          takenAt: row.taken_at,
          camera: row.camera,
          lens: row.lens,
          status: row.status,
          error: row.error,
          caption: library.tags.caption(id)?.text ?? null,
          tags: library.tags.tagsOf(id).map((t) => ({ name: t.name, source: t.source, score: t.score })),
        };
      },
      'captions.set': ({ photoId, text }) => {
        photoOrThrow(photoId);
        library.tags.setCaption(photoId, text, 'user');
        return ok;
      },
      'tags.list': () => library.tags.categories(),
      'tags.add': (p) => library.tags.addCategory({ ...categoryInput(p), name: p.name }),
      'tags.update': ({ id, change }) => library.tags.updateCategory(id, categoryInput(change)),
      'tags.remove': ({ id }) => {
        library.tags.removeCategory(id);
        return ok;
      },
      'tags.run': ({ ids }) =>
        library.tagger.run({
          ...(ids && { categoryIds: ids }),
          onProgress: (p) => {
            this.emit('tags.progress', p);
          },
        }),
      'tags.preview': async (p) => {
        const preview = await library.tagger.preview({
          name: p.name,
          description: p.description ?? null,
          prompts: p.prompts ?? [],
          negativePrompts: p.negativePrompts ?? [],
          threshold: p.threshold ?? null,
        });
        return { threshold: preview.threshold, count: preview.count, top: preview.top };
      },
      'tags.review': ({ categoryId, limit }) => library.tags.reviewQueue(categoryId ?? null, limit ?? 50),
      'tags.decide': ({ photoId, categoryId, decision }) => {
        photoOrThrow(photoId);
        if (!library.tags.category(categoryId)) throw new ApiError('not-found', `no category ${categoryId}`);
        library.tags.setUserTag(photoId, categoryId, decision);
        return ok;
      },
      'albums.list': async () => {
        const out = [];
        for (const a of library.albums.list())
          out.push({
            id: a.id,
            name: a.name,
            smart: a.query !== null,
            count: (await this.searcher.albumPhotos(a)).length,
          });
        return out;
      },
      'albums.create': ({ name, query, tags }) => {
        const smart = query !== undefined || tags !== undefined;
        const a = library.albums.create(name, smart ? defined({ text: query, tags }) : null);
        return { id: a.id, name: a.name };
      },
      'albums.add': ({ id, photoIds }) => ({ added: library.albums.add(id, photoIds) }),
      'albums.photos': async ({ id }) => {
        const album = library.albums.album(id);
        if (!album) throw new ApiError('not-found', `no album ${id}`);
        return this.searcher.albumPhotos(album);
      },
    };
  }
}
