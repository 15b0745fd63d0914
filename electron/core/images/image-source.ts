// Opens an image file or buffer with sharp the way every Lumen reader does: first frame only,
// EXIF orientation applied, a pixel limit against decompression bombs, and errors that say what is wrong.

import { open } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { ImageDecodeError, errorMessage } from '../clip/errors.js';

export type ImageInput = string | Buffer;

/** Default cap on decoded pixels: well above any camera (a 200 MP phone is 2e8), far below a bomb. */
export const DEFAULT_MAX_PIXELS = 268_402_689;

export interface OpenOptions {
  maxPixels?: number;
  /**
   * Decode what a damaged file holds instead of refusing it (libjpeg fills what is missing with grey).
   * Only for a second try after a refusal, whose caller says the result is damaged.
   */
  tolerateDamage?: boolean;
}

export function describeInput(input: ImageInput): string {
  return typeof input === 'string' ? input : `<buffer of ${input.length} bytes>`;
}

export function openImage(input: ImageInput, options: OpenOptions = {}): Sharp {
  return sharp(input, {
    limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    // Abort on decode errors and truncation, tolerate libjpeg's harmless warnings.
    failOn: options.tolerateDamage ? 'none' : 'error',
    autoOrient: true,
    pages: 1,
    sequentialRead: true,
  });
}

/** True when the bytes start as a JPEG does (SOI followed by a marker). */
export function isJpeg(head: Buffer): boolean {
  return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
}

/** HEIF brands whose images are HEVC-coded (HEIC) rather than AV1-coded (AVIF). */
const HEVC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);

/** The first n bytes of the image (fewer if it is shorter). */
export async function headBytes(input: ImageInput, n: number): Promise<Buffer> {
  if (typeof input !== 'string') return input.subarray(0, n);
  const fh = await open(input, 'r');
  try {
    // Unzeroed: only the bytes read are returned.
    const buf = Buffer.allocUnsafe(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** True when the bytes are an ISO-BMFF HEIF container with an HEVC brand. */
export function isHeic(head: Buffer): boolean {
  if (head.length < 16 || head.toString('latin1', 4, 8) !== 'ftyp') return false;
  const size = Math.min(head.readUInt32BE(0), head.length);
  const brands = [head.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= size; at += 4) brands.push(head.toString('latin1', at, at + 4));
  return brands.some((b) => HEVC_BRANDS.has(b)) && !brands.includes('avif');
}

export function heicSupported(): boolean {
  return sharp.format.heif.input.fileSuffix?.includes('.heic') ?? false;
}

/** Turns a sharp failure into an ImageDecodeError with a reason a user can act on. */
export async function decodeError(
  input: ImageInput,
  err: unknown,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<ImageDecodeError> {
  const source = describeInput(input);
  const message = errorMessage(err);
  if (err instanceof ImageDecodeError) return err;
  if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT' || /input file is missing/i.test(message))
    return new ImageDecodeError(source, 'file not found', { cause: err });
  if ((err as NodeJS.ErrnoException | null)?.code === 'EACCES')
    return new ImageDecodeError(source, 'permission denied', { cause: err });
  if (/pixel limit/i.test(message)) {
    return new ImageDecodeError(
      source,
      `image is larger than the ${maxPixels} pixel limit (possible decompression bomb)`,
      { cause: err },
    );
  }
  let head: Buffer | null = null;
  try {
    head = await headBytes(input, 64);
  } catch {
    // the read failing is reported through the original message below
  }
  if (head && head.length === 0) return new ImageDecodeError(source, 'file is empty', { cause: err });
  if (head && isHeic(head) && !heicSupported()) {
    return new ImageDecodeError(
      source,
      'HEIC (HEVC-coded HEIF) is not supported by this build of sharp, whose libheif decodes AVIF only; convert the photo to JPEG or AVIF',
      { cause: err },
    );
  }
  if (/unsupported image format/i.test(message))
    return new ImageDecodeError(source, 'not a supported image format', { cause: err });
  return new ImageDecodeError(source, `cannot decode image (${message})`, { cause: err });
}
