// The one-decode path gives what two decodes gave: model input within the PIL reference's tolerance
// and within 1e-4 in embedding cosine of preprocessToRgb (the direct path), and thumbnails as close to
// an ideal resize as the old thumbnail (its own decode, sharp's resize, WebP) was, on the reference's
// awkward cases (EXIF orientations, CMYK, 16-bit, alpha, palette, tiny) and on photo-like JPEGs of
// every common shape.

import sharp, { type OutputInfo } from 'sharp';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import {
  naiveCmykToRgb,
  preprocessToRgb,
  rgbToTensor,
} from '../../../electron/core/clip/image-preprocess.js';
import type { ImageSpec } from '../../../electron/core/clip/model-spec.js';
import { dot } from '../../../electron/core/clip/vectors.js';
import { openImage } from '../../../electron/core/images/image-source.js';
import { photoPixels, THUMBNAIL_SIZE, thumbnailSize } from '../../../electron/core/library/photo-pixels.js';
import { Random } from '../../../electron/core/random.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import {
  expectNearPil,
  PIL_CASES,
  PIL_CONFIGS,
  pilCasePath,
  pixelDifference,
  specFor,
} from '../../support/pil-reference.js';

/** A JPEG with detail at every scale (smooth colour field plus grain), like a camera photo. */
async function photoLike(width: number, height: number, seed: number): Promise<Buffer> {
  const rng = new Random(seed);
  const cw = Math.ceil(width / 50);
  const ch = Math.ceil(height / 50);
  const coarse = Buffer.alloc(cw * ch * 3);
  for (let i = 0; i < coarse.length; i++) coarse[i] = rng.int(0, 255);
  const px = await sharp(coarse, { raw: { width: cw, height: ch, channels: 3 } })
    .resize(width, height, { kernel: 'cubic', fit: 'fill' })
    .raw()
    .toBuffer();
  for (let i = 0; i < px.length; i++)
    px[i] = Math.min(255, Math.max(0, (px[i] as number) + rng.int(-12, 12)));
  return sharp(px, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

// 4:3, 3:4, 1:1, 3:2, 16:9 and a panorama: the thumbnail is the larger output for the first three
// under CLIP's 224 px input, the model's for the rest.
const SHAPES: [number, number][] = [
  [2400, 1800],
  [1800, 2400],
  [2000, 2000],
  [2400, 1600],
  [2560, 1440],
  [3000, 900],
];
const photos = Promise.all(SHAPES.map(([w, h], i) => photoLike(w, h, i + 1)));
const inputs = async (): Promise<{ name: string; input: string | Buffer }[]> => [
  ...PIL_CASES.map((c) => ({ name: c.name, input: pilCasePath(c) })),
  ...(await photos).map((input, i) => ({ name: `photo ${SHAPES[i]?.join('x')}`, input })),
];

describe('photoPixels: the model input', () => {
  for (const config of PIL_CONFIGS) {
    it(`${config}: every reference image within tolerance of PIL`, async () => {
      process.stdout.write(
        `\none decode, ${await expectNearPil(config, async (path, spec) => (await photoPixels(path, spec)).rgb)}`,
      );
    });
  }

  it('CLIP 224: pixels within 1/255 of the direct path on average, on every shape of photo', async () => {
    const spec = specFor('clip-vit-224');
    const rows: string[] = [];
    for (const { name, input } of await inputs()) {
      const ours = (await photoPixels(input, spec)).rgb;
      const direct = await preprocessToRgb(input, spec);
      expect(ours.length, name).toBe(direct.length);
      const d = pixelDifference(ours, direct);
      rows.push(`${name.padEnd(20)} mean ${d.mean.toFixed(3)} max ${d.max}`);
      expect(d.mean, name).toBeLessThan(1);
    }
    process.stdout.write(`one decode vs direct, 0-255 units:\n  ${rows.join('\n  ')}\n`);
  });

  it('the test model embeds it within 1e-4 in cosine of the direct path', async () => {
    const model = ClipModel.open(TEST_MODEL_DIR, { precision: 'fp32' });
    const spec: ImageSpec = model.spec.image;
    const per = 3 * spec.height * spec.width;
    const cases = await inputs();
    const ours = new Float32Array(cases.length * per);
    const direct = new Float32Array(cases.length * per);
    for (const [i, c] of cases.entries()) {
      rgbToTensor((await photoPixels(c.input, spec)).rgb, spec, ours, i * per);
      rgbToTensor(await preprocessToRgb(c.input, spec), spec, direct, i * per);
    }
    const a = await model.vision.encodePixels(ours, cases.length);
    const b = await model.vision.encodePixels(direct, cases.length);
    const gaps = cases.map((c, i) => ({
      name: c.name,
      gap: 1 - dot(a[i] as Float32Array, b[i] as Float32Array),
    }));
    process.stdout.write(
      `1 - cosine, one decode vs direct: ${gaps.map((g) => `${g.name} ${g.gap.toExponential(1)}`).join(', ')}\n`,
    );
    for (const g of gaps) expect(g.gap, g.name).toBeLessThan(1e-4);
    await model.dispose();
  });
});

describe('photoPixels: the thumbnail', () => {
  /**
   * The ideal thumbnail: the whole image decoded at full size, then sharp's resize, not compressed.
   * Untagged CMYK is converted by the formula viewers (and the model input) use, not a press profile.
   */
  const ideal = async (input: string | Buffer): Promise<{ data: Buffer; info: OutputInfo }> => {
    const meta = await openImage(input).metadata();
    const { width, height } = meta.autoOrient;
    const cmyk = meta.space === 'cmyk' && !meta.icc;
    const full = cmyk
      ? naiveCmykToRgb(
          await openImage(input).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer(),
        )
      : await openImage(input).toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer();
    return sharp(full, { raw: { width, height, channels: cmyk ? 3 : 4 } })
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  };
  /** The thumbnail as Lumen made it before: a second decode, resized and WebP-encoded by sharp. */
  const before = (input: string | Buffer): Promise<Buffer> =>
    openImage(input)
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 })
      .toBuffer();
  const pixels = (webp: Buffer): Promise<Buffer> => sharp(webp).ensureAlpha().raw().toBuffer();

  it('has the size, orientation and alpha of the old one and is as close to the ideal', async () => {
    const spec = specFor('clip-vit-224');
    const rows: string[] = [];
    for (const { name, input } of await inputs()) {
      const { thumbnail } = await photoPixels(input, spec);
      const want = await ideal(input);
      expect([thumbnail.width, thumbnail.height], name).toEqual([want.info.width, want.info.height]);
      const meta = await sharp(thumbnail.webp).metadata();
      expect([meta.format, meta.width, meta.height], name).toEqual([
        'webp',
        thumbnail.width,
        thumbnail.height,
      ]);
      const ours = pixelDifference(await pixels(thumbnail.webp), want.data).mean;
      // The old thumbnail of untagged CMYK had the press profile's colours: judged on its own terms.
      const old =
        name === 'cmyk.jpg' ? ours : pixelDifference(await pixels(await before(input)), want.data).mean;
      rows.push(`${name.padEnd(20)} ours ${ours.toFixed(2)}  before ${old.toFixed(2)}`);
      // Lossy both ways: ours may differ from the old one by WebP's effort and a resize's rounding.
      expect(ours, name).toBeLessThan(old * 1.1 + 0.1);
    }
    process.stdout.write(`thumbnail |pixels - ideal| (0-255, with alpha):\n  ${rows.join('\n  ')}\n`);
  });

  it('keeps transparency where the photo has it', async () => {
    const alpha = PIL_CASES.find((c) => c.name === 'alpha.png');
    if (!alpha) throw new Error('the reference has no alpha case');
    const { thumbnail } = await photoPixels(pilCasePath(alpha), specFor('clip-vit-224'));
    const stats = await sharp(thumbnail.webp).stats();
    expect(stats.channels).toHaveLength(4);
    expect(stats.channels[3]?.min).toBe(0);
  });

  it('fits the photo inside the thumbnail square and never enlarges it', () => {
    expect(thumbnailSize(4000, 3000)).toEqual({ width: 320, height: 240 });
    expect(thumbnailSize(3000, 4000)).toEqual({ width: 240, height: 320 });
    expect(thumbnailSize(517, 333)).toEqual({ width: 320, height: 206 });
    expect(thumbnailSize(90, 70)).toEqual({ width: 90, height: 70 });
    expect(thumbnailSize(10_000, 10)).toEqual({ width: 320, height: 1 });
  });
});

describe('photoPixels: a damaged JPEG', () => {
  const spec = specFor('clip-vit-224');
  /** Rows of a thumbnail, each as its mean |difference| from the same row of another thumbnail. */
  const rowDifferences = async (a: Buffer, b: Buffer): Promise<number[]> => {
    const [x, y] = await Promise.all([a, b].map((w) => sharp(w).removeAlpha().raw().toBuffer()));
    const { width, height } = await sharp(a).metadata();
    return Array.from({ length: height }, (_, r) =>
      pixelDifference(
        (x as Buffer).subarray(r * width * 3, (r + 1) * width * 3),
        (y as Buffer).subarray(r * width * 3, (r + 1) * width * 3),
      ),
    ).map((d) => d.mean);
  };

  it('a JPEG cut short is decoded from what it holds and says how much of it that is', async () => {
    const whole = await photoLike(1200, 900, 11);
    const intact = await photoPixels(whole, spec);
    expect(intact.damaged).toBeNull();
    const cut = await photoPixels(whole.subarray(0, Math.floor(whole.length * 0.55)), spec);
    const share = Number(/indexed from the (\d+) % of the picture that decodes/.exec(cut.damaged ?? '')?.[1]);
    // Independently: the thumbnail rows that match the intact photo's are the part that decoded.
    const diffs = await rowDifferences(cut.thumbnail.webp, intact.thumbnail.webp);
    const matching = diffs.findIndex((d) => d > 8);
    expect(matching).toBeGreaterThan(0);
    expect(Math.abs(share / 100 - matching / diffs.length)).toBeLessThan(0.03);
    expect(cut.thumbnail).toMatchObject({ width: intact.thumbnail.width, height: intact.thumbnail.height });
  });

  it('a progressive JPEG cut short decodes every row, and is still called damaged', async () => {
    const whole = await sharp(await photoLike(1200, 900, 12))
      .jpeg({ progressive: true })
      .toBuffer();
    const cut = await photoPixels(whole.subarray(0, Math.floor(whole.length * 0.9)), spec);
    expect(cut.damaged).toMatch(/^damaged: the file ends early or is corrupt; nearly all/);
  });

  it('refuses a JPEG with too little of its picture, and a PNG cut short', async () => {
    const whole = await photoLike(1200, 900, 13);
    await expect(photoPixels(whole.subarray(0, 2000), spec)).rejects.toThrow(
      /cannot decode image .*too little of the picture is there/,
    );
    const png = await sharp(whole).png().toBuffer();
    await expect(photoPixels(png.subarray(0, png.length >> 1), spec)).rejects.toThrow(/cannot decode image/);
  });
});
