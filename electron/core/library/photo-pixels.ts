// Decodes a photo once for everything indexing needs from its pixels: the model's input and the
// thumbnail. A JPEG is shrunk on load and resized to whichever of the two is larger, and the other is
// made from that small buffer, so a 12 MP photo costs one reduced decode instead of two. Where the
// model's input is the larger, it comes out exactly as preprocessToRgb makes it; where the thumbnail
// is (photos squarer than 10:7), the model input is resized from the thumbnail-sized buffer, which
// keeps its embedding within 1e-4 in cosine of the direct path (test/core/library/photo-pixels.test.ts).
// Images under twice the thumbnail's size are decoded whole, once, and both outputs made from that.
// A JPEG that ends early (a copy cut short, a card pulled out mid-write) is indexed from what decodes
// and called damaged, as long as a tenth of the picture is there.

import sharp, { type Sharp } from 'sharp';
import {
  cropToInput,
  decodeFull,
  type ImagePlan,
  imagePlan,
  inputFromFull,
  needsFullDecode,
  resizedSize,
  shrinkTo,
  toRgb8,
} from '../clip/image-preprocess.js';
import { ImageDecodeError } from '../clip/errors.js';
import type { ImageSpec } from '../clip/model-spec.js';
import {
  DEFAULT_MAX_PIXELS,
  decodeError,
  headBytes,
  isJpeg,
  openImage,
  type ImageInput,
  type OpenOptions,
} from '../images/image-source.js';

/** Thumbnails fit in this square (the grid shows them at up to about half of it, twice for HiDPI). */
export const THUMBNAIL_SIZE = 320;

/**
 * WebP effort for thumbnails: 2 of 0-6. Measured on 12 MP photo-like JPEGs (bench:thumbnails): the
 * default 4 costs about twice the CPU of 2 for files under 2% smaller.
 */
export const THUMBNAIL_EFFORT = 0;
export const THUMBNAIL_QUALITY = 75;

export interface Thumbnail {
  webp: Buffer;
  width: number;
  height: number;
}

export interface PhotoPixels {
  /** Model input, 8-bit RGB HWC at the model's size. */
  rgb: Buffer;
  thumbnail: Thumbnail;
  /** Size as displayed, format and orientation, from the header read that planned the decode. */
  image: Pick<ImagePlan, 'width' | 'height' | 'format' | 'orientation'>;
  /** Why the file is damaged, when it was decoded only in part; null for a whole picture. */
  damaged: string | null;
}

/** A damaged JPEG with less of its picture than this is refused rather than indexed. */
export const MIN_DECODED_SHARE = 0.1;

type Size = { width: number; height: number };

/** The thumbnail's size: the photo fitted inside the square, never enlarged (sharp's 'inside' rounding). */
export function thumbnailSize(width: number, height: number, box = THUMBNAIL_SIZE): Size {
  const long = Math.max(width, height);
  if (long <= box) return { width, height };
  const shrink = long / box;
  return {
    width: Math.max(1, Math.round(width / shrink)),
    height: Math.max(1, Math.round(height / shrink)),
  };
}

async function encodeThumbnail(img: Sharp, from: Size, to: Size): Promise<Thumbnail> {
  const resized =
    to.width === from.width && to.height === from.height
      ? img
      : img.resize(to.width, to.height, { fit: 'fill' });
  const { data, info } = await resized
    .webp({ quality: THUMBNAIL_QUALITY, effort: THUMBNAIL_EFFORT })
    .toBuffer({ resolveWithObject: true });
  return { webp: data, width: info.width, height: info.height };
}

const raw = (pixels: Uint8Array, size: Size, channels: 3 | 4 = 3): Sharp =>
  sharp(pixels, { raw: { width: size.width, height: size.height, channels } });

/**
 * The model input and the thumbnail of one image, from one decode. A JPEG the decoder refuses is tried
 * once more for what it holds: with at least MIN_DECODED_SHARE of its rows, it comes back `damaged`.
 */
export async function photoPixels(
  input: ImageInput,
  spec: ImageSpec,
  options: OpenOptions = {},
): Promise<PhotoPixels> {
  try {
    return { ...(await decodeOnce(input, spec, options)), damaged: null };
  } catch (err) {
    const refused = await decodeError(input, err, options.maxPixels);
    // Only a decoder's refusal: not a missing file, a bomb or a format sharp does not read.
    if (!refused.detail.startsWith('cannot decode image')) throw refused;
    const head = await headBytes(input, 3).catch(() => Buffer.alloc(0));
    if (!isJpeg(head)) throw refused;
    const share = await decodedShare(input, options).catch(() => 0);
    if (share < MIN_DECODED_SHARE)
      throw new ImageDecodeError(refused.source, `${refused.detail}; too little of the picture is there`, {
        cause: err,
      });
    const pixels = await decodeOnce(input, spec, { ...options, tolerateDamage: true }).catch(() => null);
    if (!pixels) throw refused;
    return { ...pixels, damaged: damageNote(share) };
  }
}

function damageNote(share: number): string {
  const percent = Math.floor(share * 100);
  // A progressive JPEG cut short decodes every row, only less sharp.
  return percent >= 99
    ? 'damaged: the file ends early or is corrupt; nearly all of the picture decodes'
    : `damaged: the file ends early or is corrupt; indexed from the ${percent} % of the picture that decodes`;
}

/**
 * The share of a damaged JPEG's rows that decode: libjpeg fills each row it has no data for with flat
 * mid-grey (128 in every channel), from the first missing block row to the bottom, in stored order.
 */
async function decodedShare(input: ImageInput, options: OpenOptions): Promise<number> {
  const { data, info } = await sharp(input, {
    failOn: 'none',
    limitInputPixels: options.maxPixels ?? DEFAULT_MAX_PIXELS,
    pages: 1,
  })
    .resize({ height: 256, withoutEnlargement: true, kernel: 'nearest' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const rowBytes = info.width * info.channels;
  let missing = 0;
  for (let y = info.height - 1; y >= 0; y--) {
    const row = data.subarray(y * rowBytes, (y + 1) * rowBytes);
    if (!row.every((v) => v === 128)) break;
    missing++;
  }
  return 1 - missing / info.height;
}

async function decodeOnce(
  input: ImageInput,
  spec: ImageSpec,
  options: OpenOptions,
): Promise<Omit<PhotoPixels, 'damaged'>> {
  const img = openImage(input, options);
  const plan = await imagePlan(img, input);
  const thumb = thumbnailSize(plan.width, plan.height);
  if (needsFullDecode(plan, spec) || Math.max(plan.width, plan.height) < 2 * THUMBNAIL_SIZE) {
    // Alpha, untagged CMYK or a small image: the whole image, once (the thumbnail keeps its alpha),
    // and each output resized from it. A small image costs little to hold, and resizing it twice in
    // a row (below) would show on hard edges.
    const full = await decodeFull(img, plan, true);
    const rgb = full.channels === 3 ? full.pixels : dropAlpha(full.pixels);
    const [input, thumbnail] = await Promise.all([
      inputFromFull(rgb, plan, spec),
      encodeThumbnail(raw(full.pixels, plan, full.channels), plan, thumb),
    ]);
    return { rgb: input, thumbnail, image: plan };
  }
  const model = resizedSize(spec, plan.width, plan.height);
  if (model.width >= thumb.width && model.height >= thumb.height) {
    // The model's resize step is the larger: exactly the direct path's pixels, the thumbnail from them.
    const resized = await toRgb8(shrinkTo(img, plan, model, spec.kernel)).toBuffer();
    return {
      rgb: cropToInput(resized, model, spec),
      thumbnail: await encodeThumbnail(raw(resized, model), model, thumb),
      image: plan,
    };
  }
  // The thumbnail is the larger: decode to its size (sharp's default kernel, as thumbnails always had),
  // then the model's resize step from it.
  const small = await toRgb8(shrinkTo(img, plan, thumb, 'lanczos3')).toBuffer();
  const [resized, thumbnail] = await Promise.all([
    shrinkTo(raw(small, thumb), thumb, model, spec.kernel).raw().toBuffer(),
    encodeThumbnail(raw(small, thumb), thumb, thumb),
  ]);
  return { rgb: cropToInput(resized, model, spec), thumbnail, image: plan };
}

function dropAlpha(rgba: Uint8Array): Uint8Array {
  const out = new Uint8Array((rgba.length / 4) * 3);
  for (let i = 0, o = 0; i < rgba.length; i += 4, o += 3) {
    out[o] = rgba[i] as number;
    out[o + 1] = rgba[i + 1] as number;
    out[o + 2] = rgba[i + 2] as number;
  }
  return out;
}
