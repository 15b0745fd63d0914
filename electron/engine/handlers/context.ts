// What every group of engine handlers shares: the handler map's type, the library and searcher they
// work on, the event emitter, and small helpers between the contract's parsed params and the core.

import type { Library } from '../../core/library/library.js';
import type { PhotoRow } from '../../core/library/photo-store.js';
import { defined } from '../../core/defined.js';
import { toSearchOptions, type Searcher, type SearchOptions } from '../../core/library/search.js';
import type { Catalogue } from '../../core/models/catalogue.js';
import type { WatchTimings } from '../../core/library/library-watcher.js';
import type { TrashItem } from '../../core/library/system-trash.js';
import {
  ApiError,
  type EventData,
  type EventName,
  type Method,
  type Params,
  type Result,
} from '../../shared/api.js';

/**
 * The methods the engine host answers itself, with or without a library open: the app's state and the
 * model catalogue and downloads (a first run has no model, so no library). Engine has the rest.
 */
export const HOST_METHODS = [
  'app.state',
  'models.list',
  'models.download',
  'models.cancel',
  'models.use',
] as const satisfies readonly Method[];
export type HostMethod = (typeof HOST_METHODS)[number];
export type LibraryMethod = Exclude<Method, HostMethod>;

export function isHostMethod(method: Method): method is HostMethod {
  return (HOST_METHODS as readonly string[]).includes(method);
}

export type Handler<M extends Method> = (params: Params<M>) => Promise<Result<M>> | Result<M>;
export type Handlers = { [M in LibraryMethod]: Handler<M> };
export type HandlerGroup<M extends LibraryMethod> = Pick<Handlers, M>;

export interface EngineOptions {
  /** The model cache and catalogue settings.get lists (default: the app's own). */
  models?: { root?: string; catalogue?: Catalogue };
  /** The folder watcher's timings (default: library-watcher.ts's; tests shorten them). */
  watch?: WatchTimings;
  /** Quiet after the last search before the search checks itself (default CHECK_IDLE_MS). */
  searchCheckIdleMs?: number;
  /** Moves a file to the system trash (default: system-trash.ts; the app passes Electron's shell.trashItem). */
  trashItem?: TrashItem;
}

export interface HandlerContext {
  library: Library;
  searcher: Searcher;
  options: EngineOptions;
  emit: <E extends EventName>(event: E, data: EventData<E>) => void;
}

export const ok = { ok: true as const };

export { defined };

export function searchOptions(
  p: Params<'search.text'> | Params<'search.similar'> | Params<'search.image'>,
): SearchOptions {
  return toSearchOptions({ limit: p.limit, matches: p.matches, sort: p.sort, filters: p.filters });
}

export function photoOrThrow(library: Library, id: number): PhotoRow {
  const row = library.store.photo(id);
  if (!row) throw new ApiError('not-found', `no photo ${id}`);
  return row;
}
