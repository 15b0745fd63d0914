// Turns an image into the vision graph's input exactly as preprocessor_config.json says, with sharp:
// EXIF auto-orient, sRGB 8-bit RGB (alpha dropped, as PIL's convert("RGB") does), resize (shortest edge,
// HF's integer rounding) with the configured kernel, centre crop with HF's offsets, rescale, normalise,
// CHW float32. JPEG and WebP are shrunk on load by libvips, so a 12 MP JPEG is never decoded at full size.
// Enlarging (photos smaller than the model input) is done by a port of Pillow's resampler, since that is
// where libvips and PIL disagree.

import sharp, { type Sharp } from 'sharp';
import {
  decodeError,
  headBytes,
  openImage,
  type ImageInput,
  type OpenOptions,
} from '../images/image-source.js';
import { JPEG_HEADER_BYTES, orientedSize, parseJpegHeader } from '../images/jpeg-header.js';
import { cropRgb, resampleRgb } from '../images/pil-resample.js';
import type { ImageSpec } from './model-spec.js';

export interface PreprocessOptions extends OpenOptions {
  /** Write into this tensor (length >= offset + 3*H*W) instead of allocating one. */
  into?: Float32Array;
  offset?: number;
}

/** Size after HF's resize step for an image of this (oriented) size. */
export function resizedSize(
  spec: ImageSpec,
  width: number,
  height: number,
): { width: number; height: number } {
  const r = spec.resize;
  if (!r) return { width, height };
  if ('height' in r) return { width: r.width, height: r.height };
  // transformers' get_resize_output_image_size: the long side is truncated, not rounded.
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc((r.shortestEdge * long) / short);
  return width <= height
    ? { width: r.shortestEdge, height: newLong }
    : { width: newLong, height: r.shortestEdge };
}

/** Per-channel a, b such that tensor = pixel * a + b (rescale then normalise folded together). */
export function channelAffine(spec: ImageSpec): { a: number[]; b: number[] } {
  const rescale = spec.rescale ?? 1;
  const a: number[] = [];
  const b: number[] = [];
  for (let c = 0; c < 3; c++) {
    const mean = spec.mean?.[c] ?? 0;
    const std = spec.std?.[c] ?? 1;
    a.push(rescale / std);
    b.push(-mean / std);
  }
  return { a, b };
}

/**
 * From this many times the model's input size (short side against short side) a photo is shrunk on
 * load as far as libjpeg goes (1/8 in the DCT), which saves about 15% of a 12 MP JPEG's CPU time.
 * Smaller images keep a real resampling step after a gentler shrink-on-load, which matches PIL more
 * closely (about 0.3/255 instead of 0.8/255 mean difference); both agree with PIL to better than
 * 0.0001 in embedding cosine.
 */
export const FAST_SHRINK_FACTOR = 8;

/**
 * Resize by libvips to `to` (fit fill): right for shrinking (it matches PIL's filters closely) and fast.
 * Shrink-on-load goes all the way (see FAST_SHRINK_FACTOR) only for photos far larger than the target.
 */
export function shrinkTo(
  img: Sharp,
  from: { width: number; height: number },
  to: { width: number; height: number },
  kernel: ImageSpec['kernel'],
): Sharp {
  if (to.width === from.width && to.height === from.height) return img;
  const fastShrinkOnLoad =
    Math.min(from.width, from.height) >= FAST_SHRINK_FACTOR * Math.min(to.width, to.height);
  return img.resize(to.width, to.height, { fit: 'fill', kernel, fastShrinkOnLoad });
}

/** Resize by libvips to the model's resize step. */
function vipsResize(img: Sharp, spec: ImageSpec, width: number, height: number): Sharp {
  return shrinkTo(img, { width, height }, resizedSize(spec, width, height), spec.kernel);
}

/** The centre crop's box in the resized image, with transformers' offsets (rounded down). */
function cropBox(
  spec: ImageSpec,
  size: { width: number; height: number },
): { left: number; top: number; width: number; height: number } | null {
  if (!spec.crop) return null;
  return {
    left: Math.floor((size.width - spec.crop.width) / 2),
    top: Math.floor((size.height - spec.crop.height) / 2),
    width: spec.crop.width,
    height: spec.crop.height,
  };
}

/** The pixels, after checking they are width x height 8-bit RGB. */
function expectRgb<T extends Uint8Array>(rgb: T, size: { width: number; height: number }): T {
  if (rgb.length !== size.width * size.height * 3)
    throw new Error(`resizing produced ${rgb.length} bytes, expected ${size.width}x${size.height}x3`);
  return rgb;
}

/** 8-bit sRGB RGB, raw: what every model input and thumbnail is made from. */
export const toRgb8 = (img: Sharp): Sharp => img.toColourspace('srgb').removeAlpha().raw({ depth: 'uchar' });

/**
 * CMYK without an embedded profile has no defined colour; libvips would assume a press profile (SWOP),
 * while PIL, browsers and most viewers use the plain formula R = (255-C)(255-K)/255. Follow them.
 */
export function naiveCmykToRgb(cmyk: Uint8Array): Uint8Array {
  const n = cmyk.length / 4;
  const out = new Uint8Array(n * 3);
  // Pillow's MULDIV255: a * b / 255, rounded, in integers.
  const mulDiv255 = (a: number, b: number): number => {
    const t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  for (let i = 0; i < n; i++) {
    const nk = 255 - (cmyk[i * 4 + 3] as number);
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.max(0, nk - mulDiv255(cmyk[i * 4 + c] as number, nk));
  }
  return out;
}

/**
 * The whole image at full size, 8-bit sRGB, for the two-pass cases: RGB, or RGBA when `keepAlpha` and
 * the image has alpha (untagged CMYK is converted by formula and has none).
 */
export async function decodeFull(
  img: Sharp,
  plan: ImagePlan,
  keepAlpha = false,
): Promise<{ pixels: Uint8Array; channels: 3 | 4 }> {
  if (plan.untaggedCmyk) {
    // A CMYK pipeline keeps the stored ink values (otherwise libvips imports through its default profile).
    const cmyk = await img
      .pipelineColourspace('cmyk')
      .toColourspace('cmyk')
      .raw({ depth: 'uchar' })
      .toBuffer();
    return { pixels: naiveCmykToRgb(cmyk), channels: 3 };
  }
  if (keepAlpha && plan.hasAlpha)
    return { pixels: await img.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer(), channels: 4 };
  return { pixels: await toRgb8(img).toBuffer(), channels: 3 };
}

/** What the pipeline depends on: the size as displayed, and whether alpha or untagged CMYK need two passes. */
export interface ImagePlan {
  width: number;
  height: number;
  hasAlpha: boolean;
  untaggedCmyk: boolean;
  /** The file's format as sharp names it (HEIF split into 'heif' and 'avif'). */
  format: string;
  /** EXIF orientation as libvips read it; null for JPEGs read from their header (EXIF readers have it). */
  orientation: number | null;
}

export async function imagePlan(img: Sharp, input: ImageInput): Promise<ImagePlan> {
  // Most photos are JPEGs whose header says all this; reading it here spares libvips a second header
  // load. Anything else (or an unusual JPEG) is asked of libvips.
  const jpeg = parseJpegHeader(await headBytes(input, JPEG_HEADER_BYTES));
  if (jpeg)
    return { ...orientedSize(jpeg), hasAlpha: false, untaggedCmyk: false, format: 'jpeg', orientation: null };
  const meta = await img.metadata();
  // Dimensions as displayed, after EXIF orientation (5-8 swap width and height).
  const { width, height } = meta.autoOrient;
  if (!width || !height) throw new Error('image has no dimensions');
  return {
    width,
    height,
    hasAlpha: meta.hasAlpha,
    untaggedCmyk: meta.space === 'cmyk' && !meta.icc,
    format: meta.format === 'heif' ? (meta.compression === 'av1' ? 'avif' : 'heif') : meta.format,
    orientation: meta.orientation ?? null,
  };
}

/**
 * True when one libvips pipeline cannot make the model input: alpha (PIL's convert("RGB") keeps the
 * colour under transparent pixels, but libvips resizes premultiplied), enlarging (resampled as Pillow
 * does) and untagged CMYK (converted by formula first).
 */
export function needsFullDecode(plan: ImagePlan, spec: ImageSpec): boolean {
  const size = resizedSize(spec, plan.width, plan.height);
  return plan.hasAlpha || plan.untaggedCmyk || size.width > plan.width || size.height > plan.height;
}

/** The model input from 8-bit RGB already resized to resizedSize(): the centre crop, if any. */
export function cropToInput(
  resized: Uint8Array,
  size: { width: number; height: number },
  spec: ImageSpec,
): Buffer {
  expectRgb(resized, size);
  const crop = cropBox(spec, size);
  if (!crop) return Buffer.from(resized.buffer, resized.byteOffset, resized.length);
  return Buffer.from(cropRgb(resized, size.width, crop.left, crop.top, crop.width, crop.height).buffer);
}

/** The model input from the full-size 8-bit RGB of an image this plan describes. */
export async function inputFromFull(full: Uint8Array, plan: ImagePlan, spec: ImageSpec): Promise<Buffer> {
  const { width, height } = plan;
  const size = resizedSize(spec, width, height);
  const resized =
    size.width > width || size.height > height
      ? resampleRgb(full, width, height, size.width, size.height, spec.kernel)
      : await vipsResize(sharp(full, { raw: { width, height, channels: 3 } }), spec, width, height)
          .raw()
          .toBuffer();
  return cropToInput(resized, size, spec);
}

/** Decodes, orients, resizes and crops to 8-bit sRGB RGB, HWC. */
export async function preprocessToRgb(
  input: ImageInput,
  spec: ImageSpec,
  options: OpenOptions = {},
): Promise<Buffer> {
  try {
    const img = openImage(input, options);
    const plan = await imagePlan(img, input);
    if (needsFullDecode(plan, spec))
      return await inputFromFull((await decodeFull(img, plan)).pixels, plan, spec);
    // One libvips pipeline. The crop comes after the resize, so libvips, which computes only the
    // pixels asked for, resamples just the cropped part (and shrink-on-load still applies).
    const size = resizedSize(spec, plan.width, plan.height);
    const crop = cropBox(spec, size);
    const resized = vipsResize(img, spec, plan.width, plan.height);
    return expectRgb(await toRgb8(crop ? resized.extract(crop) : resized).toBuffer(), crop ?? size);
  } catch (err) {
    throw await decodeError(input, err, options.maxPixels);
  }
}

/** HWC uint8 RGB to normalised CHW float32. */
export function rgbToTensor(rgb: Uint8Array, spec: ImageSpec, into?: Float32Array, offset = 0): Float32Array {
  const plane = spec.width * spec.height;
  const out = into ?? new Float32Array(3 * plane);
  const { a, b } = channelAffine(spec);
  const [a0, a1, a2] = a as [number, number, number];
  const [b0, b1, b2] = b as [number, number, number];
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    out[offset + i] = (rgb[p] as number) * a0 + b0;
    out[offset + plane + i] = (rgb[p + 1] as number) * a1 + b1;
    out[offset + 2 * plane + i] = (rgb[p + 2] as number) * a2 + b2;
  }
  return out;
}

/** The whole preprocessing step: one image in, its CHW float32 tensor out. */
export async function preprocessImage(
  input: ImageInput,
  spec: ImageSpec,
  options: PreprocessOptions = {},
): Promise<Float32Array> {
  const rgb = await preprocessToRgb(input, spec, options);
  return rgbToTensor(rgb, spec, options.into, options.offset ?? 0);
}
