// Writes a folder of shapes-world photos for tests and benchmarks, with a manifest of what each shows:
// mixed formats, EXIF orientations 1-8 (pixels stored rotated/flipped so they display upright),
// odd sizes, and optionally some 12-megapixel JPEGs.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { Random } from './random.js';
import { renderScene } from './render.js';
import { sampleScene, type Scene, type SceneOptions } from './scene.js';

export const PHOTO_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif'] as const;
export type PhotoFormat = (typeof PHOTO_FORMATS)[number];
const EXTENSION: Record<PhotoFormat, string> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tif',
  avif: 'avif',
};

export interface GeneratedPhoto {
  /** Path relative to the folder. */
  file: string;
  path: string;
  format: PhotoFormat;
  orientation: number;
  colour: string;
  shape: string;
  size: Scene['size'];
  tone: Scene['tone'];
  background: Scene['kind'];
  /** Gaussian blur sigma in pixels (0: none), so captions can say "blurry". */
  blur: number;
  /** Displayed (upright) size. */
  width: number;
  height: number;
  kind: 'normal' | 'odd-size' | 'large';
}

export interface FolderOptions {
  count: number;
  seed: number;
  /** Formats to cycle through (default: JPEG mostly, every format represented). */
  formats?: readonly PhotoFormat[];
  /** Give JPEGs EXIF orientations 2-8 as well as 1. */
  orientations?: boolean;
  /** Extra photos with extreme aspect ratios or tiny sizes. */
  oddSizes?: number;
  /** Extra 12-megapixel (4000x3000) JPEGs. */
  largeJpegs?: number;
  /** Restrict colour and shape, e.g. to held-out pairs. */
  pairs?: readonly (readonly [string, string])[];
  /** Put photos in this many nested subfolders. */
  subfolders?: number;
}

const DEFAULT_FORMATS: readonly PhotoFormat[] = [
  'jpeg',
  'jpeg',
  'jpeg',
  'png',
  'webp',
  'jpeg',
  'gif',
  'tiff',
  'jpeg',
  'avif',
];

/** Where display pixel (x, y) lives in the stored image, for an EXIF orientation. */
export function storedToDisplay(
  orientation: number,
  x: number,
  y: number,
  sw: number,
  sh: number,
): [number, number] {
  switch (orientation) {
    case 2:
      return [sw - 1 - x, y];
    case 3:
      return [sw - 1 - x, sh - 1 - y];
    case 4:
      return [x, sh - 1 - y];
    case 5:
      return [y, x];
    case 6:
      return [sh - 1 - y, x];
    case 7:
      return [sh - 1 - y, sw - 1 - x];
    case 8:
      return [y, sw - 1 - x];
    default:
      return [x, y];
  }
}

/** Stores upright RGB pixels so that a viewer applying `orientation` shows them upright. */
export function storeForOrientation(
  upright: Buffer,
  w: number,
  h: number,
  orientation: number,
): { data: Buffer; width: number; height: number } {
  const swap = orientation >= 5;
  const sw = swap ? h : w;
  const sh = swap ? w : h;
  const data = Buffer.alloc(w * h * 3);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const [dx, dy] = storedToDisplay(orientation, x, y, sw, sh);
      upright.copy(data, (y * sw + x) * 3, (dy * w + dx) * 3, (dy * w + dx) * 3 + 3);
    }
  }
  return { data, width: sw, height: sh };
}

async function encode(scene: Scene, format: PhotoFormat, orientation: number): Promise<Buffer> {
  const upright = await (await renderScene(scene)).raw().toBuffer();
  const stored = storeForOrientation(upright, scene.width, scene.height, orientation);
  const img = sharp(stored.data, { raw: { width: stored.width, height: stored.height, channels: 3 } });
  switch (format) {
    case 'jpeg':
      return (orientation !== 1 ? img.withMetadata({ orientation }) : img)
        .jpeg({ quality: scene.quality })
        .toBuffer();
    case 'png':
      return img.png().toBuffer();
    case 'webp':
      return img.webp({ quality: scene.quality }).toBuffer();
    case 'gif':
      return img.gif().toBuffer();
    case 'tiff':
      return img.tiff({ compression: 'lzw' }).toBuffer();
    case 'avif':
      return img.avif({ quality: scene.quality, effort: 0 }).toBuffer();
  }
}

export async function generatePhotoFolder(dir: string, options: FolderOptions): Promise<GeneratedPhoto[]> {
  const rng = new Random(options.seed);
  const formats = options.formats ?? DEFAULT_FORMATS;
  const photos: GeneratedPhoto[] = [];
  const plan: { kind: GeneratedPhoto['kind']; scene: SceneOptions }[] = [];
  for (let i = 0; i < options.count; i++) plan.push({ kind: 'normal', scene: {} });
  for (let i = 0; i < (options.oddSizes ?? 0); i++) {
    const odd: SceneOptions[] = [
      { shortSide: 24, aspect: 1.3 },
      { shortSide: 60, aspect: 8 },
      { shortSide: 70, aspect: 1 / 6 },
      { shortSide: 17, aspect: 1 },
      { shortSide: 999, aspect: 1.001 },
    ];
    plan.push({ kind: 'odd-size', scene: odd[i % odd.length] ?? {} });
  }
  for (let i = 0; i < (options.largeJpegs ?? 0); i++)
    plan.push({ kind: 'large', scene: { shortSide: 3000, aspect: 4 / 3 } });

  for (const [i, item] of plan.entries()) {
    const pair = options.pairs ? rng.pick(options.pairs) : null;
    const scene = sampleScene(rng, { ...item.scene, ...(pair ? { colour: pair[0], shape: pair[1] } : {}) });
    const format: PhotoFormat = item.kind === 'large' ? 'jpeg' : (formats[i % formats.length] ?? 'jpeg');
    const orientation = format === 'jpeg' && options.orientations ? 1 + (i % 8) : 1;
    const sub = options.subfolders ? `set-${i % options.subfolders}` : '';
    const file = join(
      sub,
      `${String(i).padStart(5, '0')}-${scene.colour}-${scene.shape}.${EXTENSION[format]}`,
    );
    const path = join(dir, file);
    await mkdir(join(dir, sub), { recursive: true });
    await writeFile(path, await encode(scene, format, orientation));
    photos.push({
      file,
      path,
      format,
      orientation,
      colour: scene.colour,
      shape: scene.shape,
      size: scene.size,
      tone: scene.tone,
      background: scene.kind,
      blur: scene.blur,
      width: scene.width,
      height: scene.height,
      kind: item.kind,
    });
  }
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(photos, null, 1));
  return photos;
}
