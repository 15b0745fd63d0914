// The engine behind every UI: the handlers of the API contract (electron/shared/api.ts) over one
// Library, plus the long jobs (indexing, tagging, fine-tuning) and their events. Plain Node: the
// Electron utility process, `lumen serve` and the tests all run this same object; transports only
// validate and relay. The library, search and tag handlers are here; the photo views, fine-tuning and
// settings are in handlers/. The app's state and the model catalogue and downloads are the engine
// host's (engine-host.ts), which holds an Engine once a model is there.

import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import type { IndexJob } from '../core/library/index-job.js';
import type { Library, ScanSummary } from '../core/library/library.js';
import { QuerySyntaxError } from '../core/library/query-syntax.js';
import { Searcher, SearchFilterError } from '../core/library/search.js';
import type { CategoryInput } from '../core/tags/tag-store.js';
import {
  API,
  ApiError,
  type EventData,
  type EventName,
  parseRequest,
  type Method,
  type Params,
  type Result,
} from '../shared/api.js';
import {
  defined,
  ok,
  photoOrThrow,
  searchOptions,
  writeSidecarsIfWanted,
  type EngineOptions,
  type Handler,
  type HandlerContext,
  type Handlers,
} from './handlers/context.js';
import { FineTuneJobs } from './handlers/finetune.js';
import { photoHandlers } from './handlers/photos.js';
import { settingsHandlers } from './handlers/settings.js';

export type { EngineOptions } from './handlers/context.js';

function categoryInput(p: {
  [K in keyof Params<'tags.add'>]?: Params<'tags.add'>[K] | undefined;
}): Partial<CategoryInput> {
  return defined({ ...p });
}

export class Engine {
  private readonly events = new EventEmitter();
  private job: IndexJob | null = null;
  private indexing: Promise<void> | null = null;
  private scanning: Promise<ScanSummary> | null = null;
  private closed = false;
  private readonly searcher: Searcher;
  private readonly finetune: FineTuneJobs;
  private readonly handlers: Handlers;

  constructor(
    readonly library: Library,
    private readonly options: EngineOptions = {},
  ) {
    this.searcher = new Searcher(library);
    this.finetune = new FineTuneJobs(this.context());
    this.handlers = this.makeHandlers();
  }

  private context(): HandlerContext {
    return {
      library: this.library,
      searcher: this.searcher,
      options: this.options,
      emit: (event, data) => {
        this.emit(event, data);
      },
    };
  }

  /** Stops the long jobs (indexing, fine-tuning, a scan) and waits for them; call before closing the library. */
  async close(): Promise<void> {
    this.closed = true;
    this.job?.cancel();
    await Promise.all([
      this.indexing?.catch(() => undefined),
      this.scanning?.catch(() => undefined),
      this.finetune.stop(),
    ]);
  }

  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends EventName>(event: E, data: EventData<E>): void {
    this.events.emit(event, data);
  }

  /**
   * Runs a request; its params are validated here too (transports validate on arrival already), so a
   * bad one is refused with ApiError 'bad-request' whoever calls. The result is checked against the
   * contract before it leaves.
   */
  async call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    const valid = parseRequest(method, params).params as Params<M>;
    // app.state and models.* are the engine host's: they work without a library (engine-host.ts).
    const handler = (this.handlers as Partial<Record<Method, unknown>>)[method] as Handler<M> | undefined;
    if (!handler) throw new ApiError('not-found', `${method} is answered by the engine host, not the engine`);
    let result: Result<M>;
    try {
      result = await handler(valid);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // A query or filter the user got wrong is their request's fault, not the engine's.
      if (err instanceof QuerySyntaxError || err instanceof SearchFilterError)
        throw new ApiError('bad-request', err.message);
      throw new ApiError('failed', err instanceof Error ? err.message : String(err));
    }
    return API[method].result.parse(result) as Result<M>;
  }

  /**
   * Reconciles the folders with the disk, then says library.changed {reason: 'scan'}. One scan at a
   * time: index.start and a model switch (engine-host.ts) asking together share it.
   */
  scan(): Promise<ScanSummary> {
    this.scanning ??= this.library
      .scan()
      .then((summary) => {
        this.emit('library.changed', { reason: 'scan' });
        return summary;
      })
      .finally(() => {
        this.scanning = null;
      });
    return this.scanning;
  }

  private async runIndex(): Promise<void> {
    const { library } = this;
    await this.scan();
    if (this.closed) return;
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
      if (result.state === 'finished') {
        const report = await library.refreshTags(result.indexed);
        // New photos were tagged as they were indexed (or all of them again, just now).
        if (report || library.tags.categories().some((c) => c.auto && c.enabled))
          await writeSidecarsIfWanted(this.context(), report ? undefined : ids);
      }
    } finally {
      this.job = null;
      this.emit('library.changed', { reason: 'index finished' });
    }
  }

  private makeHandlers(): Handlers {
    const { library } = this;
    const context = this.context();
    return {
      ...photoHandlers(context),
      ...this.finetune.handlers(),
      ...settingsHandlers(context),
      'library.status': () => library.status(),
      'library.addFolder': ({ path }) => {
        library.addFolder(resolve(path));
        this.emit('library.changed', { reason: 'folder added' });
        return ok;
      },
      'library.removeFolder': ({ path }) => ({ removed: library.removeFolder(resolve(path)) }),
      'index.start': () => {
        if (this.indexing) return { started: false };
        this.indexing = this.runIndex()
          .catch((err: unknown) => {
            this.emit('library.changed', {
              reason: `index failed: ${err instanceof Error ? err.message : String(err)}`,
            });
          })
          .finally(() => {
            this.indexing = null;
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
        photoOrThrow(library, p.photoId);
        return this.searcher.similar(p.photoId, searchOptions(p));
      },
      'photos.get': ({ id }) => {
        const row = photoOrThrow(library, id);
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
        photoOrThrow(library, photoId);
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
      'tags.run': async ({ ids }) => {
        const report = await library.tagger.run({
          ...(ids && { categoryIds: ids }),
          onProgress: (p) => {
            this.emit('tags.progress', p);
          },
        });
        await writeSidecarsIfWanted(context);
        return report;
      },
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
        photoOrThrow(library, photoId);
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
      'albums.remove': ({ id }) => {
        if (!library.albums.remove(id)) throw new ApiError('not-found', `no album ${id}`);
        this.emit('library.changed', { reason: 'album removed' });
        return ok;
      },
    };
  }
}
