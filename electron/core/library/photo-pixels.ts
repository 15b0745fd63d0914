// Decodes a photo once for everything indexing needs from its pixels: the model's input and the
// thumbnail. A JPEG is shrunk on load and resized to whichever of the two is larger, and the other is
// made from that small buffer, so a 12 MP photo costs one reduced decode instead of two. Where the
// model's input is the larger, it comes out exactly as preprocessToRgb makes it; where the thumbnail
// is (photos squarer than 10:7), the model input is resized from the thumbnail-sized buffer, which
// keeps its embedding within 1e-4 in cosine of the direct path (test/core/library/photo-pixels.test.ts).
// Images under twice the thumbnail's size are decoded whole, once, and both outputs made from that.

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
import type { ImageSpec } from '../clip/model-spec.js';
import { decodeError, openImage, type ImageInput, type OpenOptions } from '../images/image-source.js';

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
}

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

/** The model input and the thumbnail of one image, from one decode. */
export async function photoPixels(
  input: ImageInput,
  spec: ImageSpec,
  options: OpenOptions = {},
): Promise<PhotoPixels> {
  try {
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
  } catch (err) {
    throw await decodeError(input, err, options.maxPixels);
  }
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
