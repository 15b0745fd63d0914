// Images handed to Lumen for a search by example, which are not (necessarily) in the library: a file
// the browser uploads to `lumen serve`, or one dropped on the app's window (its main process copies
// it in). They live in the library's own uploads/ folder (0700, files 0600) under random names, and
// search.image names them by that id, never by a path, so no caller can make the engine open an
// arbitrary file. The last few are kept; older ones go as new ones arrive.

import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { chmod, copyFile, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** An upload's id: 32 hex characters and an image extension. The contract checks the same shape. */
export const UPLOAD_ID = /^[0-9a-f]{32}\.(jpg|png|webp|gif|tif|avif|heic|heif|bmp)$/;

/** Extensions by content type (what a browser says) and by file extension (what a dropped file has). */
const BY_TYPE: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/tiff': 'tif',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/bmp': 'bmp',
};
const BY_EXTENSION: Record<string, string> = {
  '.jpg': 'jpg',
  '.jpeg': 'jpg',
  '.jpe': 'jpg',
  '.png': 'png',
  '.webp': 'webp',
  '.gif': 'gif',
  '.tif': 'tif',
  '.tiff': 'tif',
  '.avif': 'avif',
  '.heic': 'heic',
  '.heif': 'heif',
  '.bmp': 'bmp',
};

/** Uploads kept; older ones are deleted as new ones arrive. */
export const KEPT_UPLOADS = 20;

export class UploadError extends Error {
  override readonly name = 'UploadError';
}

/** The upload was larger than allowed; nothing of it is kept. */
export class UploadTooLargeError extends UploadError {}

export class UploadStore {
  constructor(readonly dir: string) {}

  /** The extension an image of this content type is stored with; null when it is not an image type. */
  static extensionForType(type: string): string | null {
    return BY_TYPE[type.split(';')[0]?.trim().toLowerCase() ?? ''] ?? null;
  }

  private folder(): string {
    if (!existsSync(this.dir)) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    return this.dir;
  }

  private newPath(extension: string): { id: string; path: string } {
    const id = `${randomBytes(16).toString('hex')}.${extension}`;
    return { id, path: join(this.folder(), id) };
  }

  /**
   * Streams an upload to disk as it arrives (never whole in memory); more than `maxBytes` stops it
   * with UploadTooLargeError and leaves nothing behind. Resolves with the upload's id.
   */
  async receive(source: AsyncIterable<Buffer>, extension: string, maxBytes: number): Promise<string> {
    const { id, path } = this.newPath(extension);
    let size = 0;
    async function* capped(): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > maxBytes) throw new UploadTooLargeError(`larger than ${maxBytes} bytes`);
        yield chunk;
      }
    }
    try {
      await pipeline(capped(), createWriteStream(path, { flags: 'wx', mode: 0o600 }));
    } catch (err) {
      await rm(path, { force: true });
      throw err;
    }
    if (size === 0) {
      await rm(path, { force: true });
      throw new UploadError('the upload is empty: send the image bytes');
    }
    await this.prune();
    return id;
  }

  /** Copies an image file in (one dropped on the app's window); only regular files with an image extension. */
  async copyIn(file: string): Promise<string> {
    const extension = BY_EXTENSION[extname(file).toLowerCase()];
    if (!extension) throw new UploadError(`${file} is not an image file`);
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats?.isFile()) throw new UploadError(`${file} is not a file`);
    const { id, path } = this.newPath(extension);
    await copyFile(file, path);
    await chmod(path, 0o600);
    await this.prune();
    return id;
  }

  /** The file of an upload, or null for an id of the wrong shape or one that is gone. */
  pathOf(id: string): string | null {
    if (!UPLOAD_ID.test(id)) return null;
    const path = join(this.dir, id);
    return existsSync(path) ? path : null;
  }

  private async prune(): Promise<void> {
    const files = readdirSync(this.dir)
      .filter((f) => UPLOAD_ID.test(f))
      .map((f) => ({ f, t: statSync(join(this.dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(KEPT_UPLOADS)) await rm(join(this.dir, f), { force: true });
  }
}
