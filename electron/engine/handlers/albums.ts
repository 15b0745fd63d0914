// Handlers for albums: the list with counts, covers and smart queries; making one (manual, or smart
// from a query and tags); renaming it or changing a smart album's query; adding and removing photos;
// its photos (a smart album's query run now); removing it.

import { AlbumError, smartQuery } from '../../core/tags/album-store.js';
import { ApiError } from '../../shared/api.js';
import { defined, ok, type HandlerContext, type HandlerGroup } from './context.js';

export function albumHandlers(
  ctx: HandlerContext,
): HandlerGroup<
  | 'albums.list'
  | 'albums.create'
  | 'albums.update'
  | 'albums.add'
  | 'albums.removePhotos'
  | 'albums.photos'
  | 'albums.remove'
> {
  const { library, searcher } = ctx;
  return {
    'albums.list': async () => {
      const out = [];
      for (const a of library.albums.list()) {
        const ids = await searcher.albumPhotos(a);
        out.push({
          id: a.id,
          name: a.name,
          smart: a.query !== null,
          count: ids.length,
          cover: ids[0] ?? null,
          query: a.query?.text ?? '',
          tags: a.query?.tags ?? [],
        });
      }
      return out;
    },
    'albums.update': ({ id, name, query, tags }) => {
      const album = library.albums.album(id);
      if (!album) throw new ApiError('not-found', `no album ${id}`);
      try {
        // Both or neither: a query that cannot stand leaves the name unchanged too.
        library.db.transaction(() => {
          if (name !== undefined) library.albums.rename(id, name);
          if (query !== undefined || tags !== undefined) {
            const { text: _text, tags: _tags, ...rest } = album.query ?? {};
            const text = query ?? album.query?.text;
            const kept = tags ?? album.query?.tags;
            library.albums.setQuery(id, {
              ...rest,
              ...(text?.trim() && { text }),
              ...(kept?.length && { tags: kept }),
            });
          }
        })();
      } catch (err) {
        if (err instanceof AlbumError) throw new ApiError('bad-request', err.message);
        throw err;
      }
      ctx.emit('library.changed', { reason: 'album changed' });
      return ok;
    },
    'albums.create': ({ name, query, tags }) => {
      const a = library.albums.create(name, smartQuery({ text: query, filters: defined({ tags }) }));
      return { id: a.id, name: a.name };
    },
    'albums.add': ({ id, photoIds }) => ({ added: library.albums.add(id, photoIds) }),
    'albums.removePhotos': ({ id, photoIds }) => {
      if (!library.albums.album(id)) throw new ApiError('not-found', `no album ${id}`);
      const removed = library.albums.removePhotos(id, photoIds);
      ctx.emit('library.changed', { reason: 'album changed' });
      return { removed };
    },
    'albums.photos': async ({ id }) => {
      const album = library.albums.album(id);
      if (!album) throw new ApiError('not-found', `no album ${id}`);
      return searcher.albumPhotos(album);
    },
    'albums.remove': ({ id }) => {
      if (!library.albums.remove(id)) throw new ApiError('not-found', `no album ${id}`);
      ctx.emit('library.changed', { reason: 'album removed' });
      return ok;
    },
  };
}
