// The engine behind every UI: the handlers of the API contract (electron/shared/api.ts) over one
// Library, plus the long jobs (keeping the library up to date, tagging, fine-tuning) and their events.
// Plain Node: the Electron utility process, `lumen serve` and the tests all run this same object;
// transports only validate and relay. The library, search and tag handlers are here; the photo views,
// fine-tuning and settings are in handlers/, and updates with folder watching in library-keeper.ts.
// The app's state and the model catalogue and downloads are the engine host's (engine-host.ts), which
// holds an Engine once a model is there.

import { suggestFolders } from '../core/library/folder-suggestions.js';
import { EventEmitter } from 'node:events';
import type { Library, ScanSummary } from '../core/library/library.js';
import { FolderError } from '../core/library/library-folders.js';
import { QuerySyntaxError } from '../core/library/query-syntax.js';
import { NothingIndexedError, Searcher, SearchFilterError } from '../core/library/search.js';
import { tagLibrary } from '../core/tags/tag-library.js';
import { categorySummaries } from '../core/tags/category-summary.js';
import { photoLabels } from '../core/tags/provenance.js';
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
  type EngineOptions,
  type Handler,
  type HandlerContext,
  type Handlers,
} from './handlers/context.js';
import { FineTuneJobs } from './handlers/finetune.js';
import { albumHandlers } from './handlers/albums.js';
import { markHandlers } from './handlers/marks.js';
import { photoHandlers } from './handlers/photos.js';
import { settingsHandlers } from './handlers/settings.js';
import { LibraryKeeper } from './library-keeper.js';
import { SearchChecker } from './search-checker.js';

export type { EngineOptions } from './handlers/context.js';

function categoryInput(p: {
  [K in keyof Params<'tags.add'>]?: Params<'tags.add'>[K] | undefined;
}): Partial<CategoryInput> {
  return defined({ ...p });
}

export class Engine {
  private readonly events = new EventEmitter();
  private readonly searcher: Searcher;
  private readonly finetune: FineTuneJobs;
  private readonly keeper: LibraryKeeper;
  private readonly checker: SearchChecker;
  private readonly handlers: Handlers;

  constructor(
    readonly library: Library,
    private readonly options: EngineOptions = {},
  ) {
    this.searcher = new Searcher(library);
    // First: events from the jobs below reach it (indexing finished: build the filter columns again).
    this.checker = new SearchChecker(this.searcher, options.searchCheckIdleMs, () => {
      this.emit('library.changed', { reason: 'search checked' });
    });
    this.checker.soon(); // a large library's filter columns, built once the app is quiet
    const context = this.context();
    this.finetune = new FineTuneJobs(context);
    this.keeper = new LibraryKeeper(context);
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

  /** Resolves once folder watching (on by default) has started, or at once when it is off. */
  ready(): Promise<void> {
    return this.keeper.ready();
  }

  /**
   * Stops the long jobs (updates, watching, fine-tuning, a scan) and waits for them; call before closing
   * the library.
   */
  async close(): Promise<void> {
    await Promise.all([this.keeper.close(), this.finetune.stop(), this.checker.close()]);
  }

  on<E extends EventName>(event: E, listener: (data: EventData<E>) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends EventName>(event: E, data: EventData<E>): void {
    // Indexing changed what filters read: the columns are built again when the app is quiet.
    if (event === 'library.changed' && (data as EventData<'library.changed'>).reason === 'index finished')
      this.checker.soon();
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
      if (
        err instanceof QuerySyntaxError ||
        err instanceof SearchFilterError ||
        err instanceof FolderError ||
        err instanceof NothingIndexedError
      )
        throw new ApiError('bad-request', err.message);
      throw new ApiError('failed', err instanceof Error ? err.message : String(err));
    }
    return API[method].result.parse(result) as Result<M>;
  }

  /**
   * Reconciles the folders with the disk (shared with a running update's scan), then says
   * library.changed {reason: 'scan'}. A model switch (engine-host.ts) scans through here.
   */
  scan(): Promise<ScanSummary> {
    return this.keeper.scan();
  }

  private makeHandlers(): Handlers {
    const { library } = this;
    const context = this.context();
    return {
      ...photoHandlers(context),
      ...markHandlers(context),
      ...albumHandlers(context),
      ...this.finetune.handlers(),
      ...settingsHandlers(context, () => {
        this.keeper.settingsChanged();
      }),
      'library.status': () => ({ ...library.status(), watch: this.keeper.watchState }),
      // The API takes absolute paths only: a relative one would be read against the server's folder.
      'library.addFolder': ({ path }) => {
        library.addFolder(path);
        this.keeper.foldersChanged();
        this.emit('library.changed', { reason: 'folder added' });
        return ok;
      },
      'library.removeFolder': ({ path }) => {
        const removed = library.removeFolder(path);
        this.keeper.foldersChanged();
        return { removed };
      },
      'library.suggestFolders': ({ typed }) => suggestFolders(typed),
      'library.folderFootprint': ({ path }) => {
        const footprint = library.store.folderFootprint(path);
        if (!footprint) throw new ApiError('not-found', `${path} is not one of the library's folders`);
        return footprint;
      },
      'index.start': () => ({ started: this.keeper.start() }),
      'index.pause': () => {
        this.keeper.pause();
        return ok;
      },
      'index.resume': () => {
        this.keeper.resume();
        return ok;
      },
      'index.cancel': () => {
        this.keeper.cancel();
        return ok;
      },
      'search.text': (p) => {
        this.checker.searched();
        return this.searcher.search(p.query, searchOptions(p));
      },
      'search.similar': (p) => {
        photoOrThrow(library, p.photoId);
        this.checker.searched();
        return this.searcher.similar(p.photoId, searchOptions(p));
      },
      'photos.get': ({ id }) => {
        const row = photoOrThrow(library, id);
        const labels = photoLabels(library.tags, id);
        return {
          id: row.id,
          path: row.path,
          width: row.width,
          height: row.height,
          format: row.format,
          // As the timeline dates it: the file's time where the photo has no date of its own.
          takenAt: row.taken_at ?? row.mtime_ms,
          dateFromFile: row.taken_at === null,
          camera: row.camera,
          lens: row.lens,
          status: row.status,
          error: row.error,
          caption: labels.caption?.text ?? null,
          captionFrom: labels.caption?.from ?? null,
          tags: labels.tags,
          rating: row.rating ?? 0,
          favorite: row.favorite === 1,
        };
      },
      'captions.set': ({ photoId, text }) => {
        photoOrThrow(library, photoId);
        library.tags.setCaption(photoId, text, 'user');
        return ok;
      },
      'captions.setMany': ({ photoIds, text }) => {
        for (const photoId of photoIds) photoOrThrow(library, photoId);
        library.tags.setCaptions(photoIds.map((photoId) => ({ photoId, text })));
        return { changed: photoIds.length };
      },
      'tags.list': () => categorySummaries(library),
      'tags.photos': ({ id }) => {
        if (!library.tags.category(id)) throw new ApiError('not-found', `no category ${id}`);
        return library.tags.photosOf(id);
      },
      'tags.add': (p) => library.tags.addCategory({ ...categoryInput(p), name: p.name }),
      'tags.update': ({ id, change }) => library.tags.updateCategory(id, categoryInput(change)),
      'tags.remove': ({ id }) => {
        library.tags.removeCategory(id);
        return ok;
      },
      'tags.run': async ({ ids }) => {
        const { report } = await tagLibrary(library, {
          ...(ids && { categoryIds: ids }),
          onProgress: (p) => {
            this.emit('tags.progress', p);
          },
        });
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
      'tags.decideMany': ({ photoIds, categoryId, decision }) => {
        for (const photoId of photoIds) photoOrThrow(library, photoId);
        if (!library.tags.category(categoryId)) throw new ApiError('not-found', `no category ${categoryId}`);
        return { changed: library.tags.setUserTags(photoIds, categoryId, decision) };
      },
    };
  }
}
