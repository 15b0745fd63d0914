// Handlers for the photo views: the timeline (every indexed photo as compact parallel arrays), why a
// photo matched a query or a category, and search by an uploaded image that need not be in the library
// (named by its upload id: the engine opens no path a caller names), copying photos to a folder,
// groups of duplicates with the one to keep, and moving photos to the system trash (asking first what
// that would lose: photos.footprint).

import { ImageDecodeError } from '../../core/clip/errors.js';
import { copyPhotos, CopyError } from '../../core/library/copy-photos.js';
import { duplicateChoices } from '../../core/library/duplicates.js';
import { explainPhoto, ExplainError } from '../../core/library/explain.js';
import { places } from '../../core/library/places.js';
import { systemTrash } from '../../core/library/system-trash.js';
import { trashPhotos } from '../../core/library/trash-photos.js';
import { timeline } from '../../core/library/timeline.js';
import { ApiError } from '../../shared/api.js';
import { photoOrThrow, searchOptions, type HandlerContext, type HandlerGroup } from './context.js';

export function photoHandlers(
  ctx: HandlerContext,
): HandlerGroup<
  | 'photos.timeline'
  | 'photos.places'
  | 'photos.explain'
  | 'search.image'
  | 'photos.copy'
  | 'photos.duplicates'
  | 'photos.footprint'
  | 'photos.trash'
> {
  const { library, searcher } = ctx;
  return {
    'photos.timeline': ({ offset, limit }) => timeline(library.db, offset ?? 0, limit ?? -1),
    'photos.places': () => places(library.db),
    'photos.copy': async ({ photoIds, folder }) => {
      try {
        const report = await copyPhotos(library, photoIds, folder);
        return { copied: report.copied.length, failed: report.failed };
      } catch (err) {
        if (err instanceof CopyError) throw new ApiError('bad-request', err.message);
        throw err;
      }
    },
    'photos.duplicates': async ({ threshold }) =>
      (
        await duplicateChoices(library, threshold, (done, total) => {
          ctx.emit('duplicates.progress', { done, total });
        })
      ).map((g) => ({
        photos: g.photos,
        keep: g.keep,
        similarity: g.minScore,
      })),
    'photos.footprint': ({ photoIds }) => library.store.photosFootprint(photoIds),
    'photos.trash': async ({ photoIds }) => {
      const report = await trashPhotos(library, photoIds, ctx.options.trashItem ?? systemTrash());
      if (report.trashed.length) ctx.emit('library.changed', { reason: 'photos trashed' });
      return { trashed: report.trashed.length, failed: report.failed };
    },
    'photos.explain': async ({ photoId, query, categoryId }) => {
      photoOrThrow(library, photoId);
      try {
        return await explainPhoto(library, searcher, photoId, {
          ...(query !== undefined && { query }),
          ...(categoryId !== undefined && { categoryId }),
        });
      } catch (err) {
        if (err instanceof ExplainError) throw new ApiError('not-found', err.message);
        throw err;
      }
    },
    'search.image': async (p) => {
      const path = library.uploads.pathOf(p.upload);
      if (!path) throw new ApiError('not-found', `no upload ${p.upload} (uploads are kept for a while only)`);
      try {
        return await searcher.similar(path, searchOptions(p));
      } catch (err) {
        if (err instanceof ImageDecodeError)
          throw new ApiError(
            'bad-request',
            `the uploaded file is not an image Lumen can read (${err.detail})`,
          );
        throw err;
      }
    },
  };
}
