// Thumbnails as WebP files in a cache folder beside the database, named by the photo's content hash:
// a moved photo keeps its thumbnail, identical photos share one, and rewriting after a crash is harmless.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

export class ThumbnailStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true });
  }

  /** The file for a content hash (relative to the cache folder). */
  static relativePath(contentHash: string): string {
    if (!/^[0-9a-f]{16,}$/.test(contentHash)) throw new Error(`not a content hash: ${contentHash}`);
    return join(contentHash.slice(0, 2), `${contentHash}.webp`);
  }

  pathOf(relative: string): string {
    const full = resolve(this.dir, relative);
    if (!full.startsWith(this.dir + sep)) throw new Error(`thumbnail path escapes the cache: ${relative}`);
    return full;
  }

  /** Writes atomically (temporary file, then rename) and returns the relative path. */
  write(contentHash: string, webp: Buffer): string {
    const rel = ThumbnailStore.relativePath(contentHash);
    const full = this.pathOf(rel);
    mkdirSync(join(this.dir, contentHash.slice(0, 2)), { recursive: true });
    const tmp = `${full}.${process.pid}.tmp`;
    writeFileSync(tmp, webp);
    renameSync(tmp, full);
    return rel;
  }
}
