// One read of a photo gives its hash, metadata, thumbnail and model input; every kind of bad file
// becomes a clear error for that photo alone: missing, a folder or FIFO named like a photo, empty,
// too large, a decompression bomb, a file that changes or vanishes while being read.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ImageSpec } from '../../../electron/core/clip/model-spec.js';
import { THUMBNAIL_SIZE } from '../../../electron/core/library/photo-pixels.js';
import { changeWhileRead, readPhoto } from '../../../electron/core/library/photo-reader.js';
import { SMALL_SPEC } from '../../support/specs.js';
import { tempDir } from '../../support/temp.js';

const SPEC: ImageSpec = SMALL_SPEC;

const dir = tempDir();
const file = (name: string, bytes: Buffer | string): string => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

async function expectFailure(path: string, detail: RegExp, options = {}): Promise<void> {
  await expect(readPhoto(path, SPEC, options)).rejects.toThrow(
    expect.objectContaining({ source: path, detail: expect.stringMatching(detail) as string }) as Error,
  );
}

/** A PNG whose header claims width x height pixels, with a tiny body (a decompression bomb). */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    return Buffer.concat([len, Buffer.from(type, 'ascii'), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(100))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('readPhoto', () => {
  it('derives hash, size, format, thumbnail and model input from one read', async () => {
    const bytes = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#1e90ff' } })
      .jpeg()
      .toBuffer();
    const path = file('blue.jpg', bytes);
    const photo = await readPhoto(path, SPEC);
    expect(photo.meta).toMatchObject({
      contentHash: createHash('sha256').update(readFileSync(path)).digest('hex'),
      width: 800,
      height: 600,
      format: 'jpeg',
      takenAt: null,
      camera: null,
    });
    expect(photo.rgb.length).toBe(32 * 32 * 3);
    expect(photo.thumbnail).toMatchObject({ width: THUMBNAIL_SIZE, height: 240 });
    const thumb = await sharp(photo.thumbnail.webp).metadata();
    expect(thumb).toMatchObject({ format: 'webp', width: THUMBNAIL_SIZE, height: 240 });
  });

  it('reports a missing file, a folder and a FIFO named like photos, without blocking', async () => {
    await expectFailure(join(dir, 'gone.jpg'), /^file not found$/);
    const folder = join(dir, 'album.jpg');
    mkdirSync(folder);
    await expectFailure(folder, /^not a regular file$/);
    const fifo = join(dir, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    await expectFailure(fifo, /^not a regular file$/);
  });

  it('reports empty, oversized, non-image and truncated files', async () => {
    await expectFailure(file('empty.png', ''), /^file is empty$/);
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer();
    await expectFailure(file('big.jpg', jpeg), /^file is larger than 100 bytes$/, { maxBytes: 100 });
    await expectFailure(file('text.webp', 'hello, not a picture'), /^not a supported image format$/);
    await expectFailure(file('cut.jpg', jpeg.subarray(0, 200)), /cannot decode image/);
  });

  it('refuses a decompression bomb at the default pixel limit', async () => {
    await expectFailure(file('bomb.png', pngBomb(50_000, 50_000)), /larger than the \d+ pixel limit/);
  });

  it('notices a file that vanished or changed between the stats around its read', () => {
    const before = { size: 1000, mtimeMs: 5 };
    expect(changeWhileRead(before, { size: 1000, mtimeMs: 5 }, 1000)).toBeNull();
    expect(changeWhileRead(before, null, 1000)).toBe('file disappeared while being read');
    expect(changeWhileRead(before, { size: 1200, mtimeMs: 6 }, 1000)).toBe('file changed while being read');
    expect(changeWhileRead(before, { size: 1000, mtimeMs: 9 }, 1000)).toBe('file changed while being read');
    // The size held but the read came back short: the file was rewritten in place.
    expect(changeWhileRead(before, { size: 1000, mtimeMs: 5 }, 640)).toBe('file changed while being read');
  });
});
