// What every group of engine handlers shares: the handler map's type, the library and searcher they
// work on, the event emitter, and small helpers between the contract's parsed params and the core.

import type { Library } from '../../core/library/library.js';
import type { PhotoRow } from '../../core/library/photo-store.js';
import type { Searcher, SearchOptions } from '../../core/library/search.js';
import type { Catalogue } from '../../core/models/catalogue.js';
import { exportSidecars } from '../../core/tags/sidecar-export.js';
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
}

export interface HandlerContext {
  library: Library;
  searcher: Searcher;
  options: EngineOptions;
  emit: <E extends EventName>(event: E, data: EventData<E>) => void;
}

export const ok = { ok: true as const };

/** Drops the keys whose value is undefined (zod output vs exactOptionalPropertyTypes). */
export function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}

export function searchOptions(
  p: Params<'search.text'> | Params<'search.similar'> | Params<'search.image'>,
): SearchOptions {
  return defined({
    limit: p.limit,
    strictness: p.strictness,
    sort: p.sort,
    filters: p.filters ? defined(p.filters) : undefined,
  });
}

export function photoOrThrow(library: Library, id: number): PhotoRow {
  const row = library.store.photo(id);
  if (!row) throw new ApiError('not-found', `no photo ${id}`);
  return row;
}

/**
 * After a tag run: with the xmpSidecars setting on, the tags go to XMP sidecars too (all tagged photos,
 * or the given ones), reported as tags.progress phase 'sidecars'. A photo whose sidecar cannot be
 * written does not fail the run.
 */
export async function writeSidecarsIfWanted(
  ctx: HandlerContext,
  photoIds?: readonly number[],
): Promise<void> {
  if (!ctx.library.settings.get().xmpSidecars) return;
  await exportSidecars(ctx.library, {
    ...(photoIds && { photoIds }),
    onProgress: (done, total) => {
      ctx.emit('tags.progress', { phase: 'sidecars', done, total });
    },
  });
}
