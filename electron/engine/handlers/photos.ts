// Handlers for the photo views: the timeline (every indexed photo as compact parallel arrays), why a
// photo matched a query or a category, and search by an image file that need not be in the library.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ImageDecodeError } from '../../core/clip/errors.js';
import { explainPhoto, ExplainError } from '../../core/library/explain.js';
import { timeline } from '../../core/library/timeline.js';
import { ApiError } from '../../shared/api.js';
import { photoOrThrow, searchOptions, type HandlerContext, type HandlerGroup } from './context.js';

export function photoHandlers(
  ctx: HandlerContext,
): HandlerGroup<'photos.timeline' | 'photos.explain' | 'search.image'> {
  const { library, searcher } = ctx;
  return {
    'photos.timeline': ({ offset, limit }) => timeline(library.db, offset ?? 0, limit ?? -1),
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
      const path = resolve(p.path);
      const stats = statSync(path, { throwIfNoEntry: false });
      if (!stats) throw new ApiError('bad-request', `no image at ${path}`);
      if (!stats.isFile()) throw new ApiError('bad-request', `${path} is not a file`);
      try {
        return await searcher.similar(path, searchOptions(p));
      } catch (err) {
        if (err instanceof ImageDecodeError)
          throw new ApiError('bad-request', `${path} is not an image Lumen can read (${err.detail})`);
        throw err;
      }
    },
  };
}
