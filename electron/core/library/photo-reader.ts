// Reads one photo from disk once and derives everything indexing needs from that one buffer: the
// content hash (move detection), EXIF (date, camera, lens, GPS), and, from one decode, a WebP
// thumbnail and the model's input pixels. A file that vanishes or changes while being read is an
// error for that photo alone.

import { subtle } from 'node:crypto';
import type { Stats } from 'node:fs';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import exifr from 'exifr';
import { ImageDecodeError, errorMessage } from '../clip/errors.js';
import type { ImageSpec } from '../clip/model-spec.js';
import { DEFAULT_MAX_PIXELS, decodeError } from '../images/image-source.js';
import { readEmbeddedLabels, readSidecarLabels, type EmbeddedLabels } from '../tags/embedded-keywords.js';
import { sidecarPathFor } from '../tags/xmp-sidecar.js';
import { photoPixels, type Thumbnail } from './photo-pixels.js';
import type { PhotoMetadata } from './photo-store.js';

export interface ReadPhoto {
  meta: PhotoMetadata;
  /** Model input, 8-bit RGB HWC at the model's size. */
  rgb: Buffer;
  thumbnail: Thumbnail;
  /** Keywords and caption other apps left in the file or its XMP sidecar. */
  labels: EmbeddedLabels;
}

export interface ReadOptions {
  maxPixels?: number;
  /** Largest file read into memory; bigger files are refused before reading. */
  maxBytes?: number;
}

const MAX_BYTES = 512 * 2 ** 20;

function exifDate(value: unknown): number | null {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime();
  return null;
}

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

async function readExif(buf: Buffer): Promise<Partial<PhotoMetadata>> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(buf, {
      pick: [
        'DateTimeOriginal',
        'CreateDate',
        'ModifyDate',
        'Make',
        'Model',
        'LensModel',
        'Orientation',
        'latitude',
        'longitude',
        'GPSLatitude',
        'GPSLongitude',
        'GPSLatitudeRef',
        'GPSLongitudeRef',
      ],
      translateValues: false,
    })) as Record<string, unknown> | undefined;
  } catch {
    return {}; // EXIF is optional: a photo with broken metadata is still a photo
  }
  if (!tags) return {};
  const make = text(tags.Make);
  const model = text(tags.Model);
  return {
    takenAt: exifDate(tags.DateTimeOriginal) ?? exifDate(tags.CreateDate),
    camera:
      model && make && !model.toLowerCase().startsWith(make.toLowerCase().split(' ')[0] ?? '')
        ? `${make} ${model}`
        : (model ?? make),
    lens: text(tags.LensModel),
    gpsLat: num(tags.latitude),
    gpsLon: num(tags.longitude),
    orientation: num(tags.Orientation),
  };
}

type FileStamp = Pick<Stats, 'size' | 'mtimeMs'>;

/**
 * Why a file read cannot be trusted, or null: it vanished, or its size or mtime moved between the
 * stat before the read and the one after (a camera import or sync still writing it).
 */
export function changeWhileRead(
  before: FileStamp,
  after: FileStamp | null,
  bytesRead: number,
): string | null {
  if (!after) return 'file disappeared while being read';
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || bytesRead !== before.size) {
    return 'file changed while being read';
  }
  return null;
}

/** Labels in the file and in its sidecar (which other apps update without touching the photo). */
async function readLabels(path: string, buf: Buffer): Promise<EmbeddedLabels> {
  const embedded = await readEmbeddedLabels(buf);
  const sidecar = sidecarPathFor(path);
  if (!existsSync(sidecar)) return embedded;
  const side = await readFile(sidecar, 'utf8').then(readSidecarLabels, () => null);
  if (!side) return embedded;
  const seen = new Set<string>();
  const keywords = [...side.keywords, ...embedded.keywords].filter((k) => {
    const key = k.text.toLowerCase();
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return {
    keywords,
    caption: side.caption ?? embedded.caption,
    rating: side.rating ?? embedded.rating,
    favorite: side.favorite || embedded.favorite,
  };
}

export async function readPhoto(
  path: string,
  spec: ImageSpec,
  options: ReadOptions = {},
): Promise<ReadPhoto> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  let before;
  let buf: Buffer;
  try {
    before = await stat(path);
    // A FIFO or device named like a photo would block the read forever.
    if (!before.isFile()) throw new ImageDecodeError(path, 'not a regular file');
    if (before.size === 0) throw new ImageDecodeError(path, 'file is empty');
    if (before.size > (options.maxBytes ?? MAX_BYTES))
      throw new ImageDecodeError(path, `file is larger than ${options.maxBytes ?? MAX_BYTES} bytes`);
    buf = await readFile(path);
  } catch (err) {
    throw err instanceof ImageDecodeError ? err : await decodeError(path, err, maxPixels);
  }
  const changed = changeWhileRead(before, await stat(path).catch(() => null), buf.length);
  if (changed) throw new ImageDecodeError(path, changed);
  try {
    // Hashed on libuv's threads (WebCrypto), not on this one, which also runs the encoder.
    const [contentHash, { rgb, thumbnail, image, damaged }, exif, labels] = await Promise.all([
      subtle.digest('SHA-256', buf).then((d) => Buffer.from(d).toString('hex')),
      photoPixels(buf, spec, { maxPixels }),
      readExif(buf),
      readLabels(path, buf),
    ]);
    return {
      rgb,
      thumbnail,
      labels,
      meta: {
        contentHash,
        width: image.width,
        height: image.height,
        format: image.format,
        takenAt: exif.takenAt ?? null,
        camera: exif.camera ?? null,
        lens: exif.lens ?? null,
        gpsLat: exif.gpsLat ?? null,
        gpsLon: exif.gpsLon ?? null,
        orientation: exif.orientation ?? image.orientation,
        damaged,
      },
    };
  } catch (err) {
    if (err instanceof ImageDecodeError) throw new ImageDecodeError(path, err.detail, { cause: err });
    const decoded = await decodeError(buf, err, maxPixels);
    throw new ImageDecodeError(path, decoded.detail || errorMessage(err), { cause: err });
  }
}
