// Handlers for what the owner marks on photos: star ratings and favourites. Each change is all or
// none (one unknown photo and nothing changes) and, when the library writes XMP sidecars, goes to the
// photos' sidecars at once (xmp:Rating, lumen:Favorite), as tags do, so other apps see it.

import { exportSidecars } from '../../core/tags/sidecar-export.js';
import { photoOrThrow, type HandlerContext, type HandlerGroup } from './context.js';

export function markHandlers(
  ctx: HandlerContext,
): HandlerGroup<'photos.rate' | 'photos.favorite' | 'photos.favorites'> {
  const { library } = ctx;

  /** After a change: the sidecars (when written), then one library.changed for the views. */
  async function changed(photoIds: readonly number[], count: number): Promise<{ changed: number }> {
    if (count && library.settings.get().xmpSidecars) await exportSidecars(library, { photoIds });
    if (count) ctx.emit('library.changed', { reason: 'photos marked' });
    return { changed: count };
  }

  return {
    'photos.rate': ({ photoIds, rating }) => {
      for (const id of photoIds) photoOrThrow(library, id);
      return changed(photoIds, library.store.setRating(photoIds, rating));
    },
    'photos.favorite': ({ photoIds, favorite }) => {
      for (const id of photoIds) photoOrThrow(library, id);
      return changed(photoIds, library.store.setFavorite(photoIds, favorite));
    },
    'photos.favorites': () => library.store.favorites(),
  };
}
