// Which file a media URL may serve: a photo's thumbnail from the thumbnail cache, or the photo itself
// from inside one of the library's folders, and only for a photo that was decoded as an image and lies
// in a library folder. Media URLs name photos by id, never by path; the file the id leads to is
// resolved through symlinks and must still lie inside an allowed root, so neither a crafted URL nor a
// symlink planted in a library folder can reach anything else on the disk.
// Used by the app's lumen:// protocol and by the HTTP server alike.

import type { Library } from '../core/library/library.js';

export type MediaKind = 'thumb' | 'photo';

export interface MediaFile {
  path: string;
  contentType: string;
}

const TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heif',
};

import { isInside, realPathOrNull } from '../core/library/library-folders.js';

export { isInside };

/** Parses "/media/<kind>/<id>" (or the path part of lumen://media/<kind>/<id>). */
export function parseMediaPath(pathname: string): { kind: MediaKind; id: number } | null {
  const m = /^\/(thumb|photo)\/([1-9]\d{0,15})$/.exec(pathname);
  if (!m) return null;
  return { kind: m[1] as MediaKind, id: Number(m[2]) };
}

/**
 * Whether a photo belongs to one of the library's folders: its recorded path lies in one, and where the
 * file really is (through any symlink) does too. A photo of an offline folder (its file not there) is
 * judged by its recorded path alone, so its thumbnail still shows.
 */
function inLibraryFolder(library: Library, path: string, file: string | null): boolean {
  return library.store.folders().some((f) => {
    if (!isInside(f.path, path)) return false;
    if (file === null) return true;
    const root = realPathOrNull(f.path);
    return root !== null && isInside(root, file);
  });
}

/** The file to serve, or null when the id is unknown or its file is outside every allowed root. */
export function resolveMedia(library: Library, kind: MediaKind, id: number): MediaFile | null {
  const photo = library.store.photo(id);
  if (!photo) return null;
  const file = realPathOrNull(photo.path);
  // Only what was decoded as an image, from inside a library folder, is ever served.
  if (photo.status !== 'indexed' || !inLibraryFolder(library, photo.path, file)) return null;
  if (kind === 'thumb') {
    const thumb = library.store.thumbnail(id);
    if (!thumb) return null;
    let full: string;
    try {
      full = library.thumbnails.pathOf(thumb.file);
    } catch {
      return null;
    }
    const cached = realPathOrNull(full);
    const root = realPathOrNull(library.thumbnails.dir);
    return cached && root && isInside(root, cached) ? { path: cached, contentType: 'image/webp' } : null;
  }
  if (!file) return null;
  return { path: file, contentType: TYPES[photo.format ?? ''] ?? 'application/octet-stream' };
}
