// Every input format a user's library holds, decoded to the model's input; and every kind of bad file
// turned into a clear error rather than a crash.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp, { type Color } from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../../../electron/core/clip/errors.js';
import { preprocessToRgb } from '../../../electron/core/clip/image-preprocess.js';
import type { ImageSpec } from '../../../electron/core/clip/model-spec.js';
import { heicSupported, isHeic } from '../../../electron/core/images/image-source.js';
import { SMALL_SPEC } from '../../support/specs.js';
import { tempDir } from '../../support/temp.js';

const SPEC: ImageSpec = SMALL_SPEC;

const RED = { r: 220, g: 30, b: 40 };
const solid = (width = 64, height = 48, colour: Color = RED) =>
  sharp({ create: { width, height, channels: 3, background: colour } });

/** Mean colour of an RGB buffer. */
function meanRgb(rgb: Uint8Array): [number, number, number] {
  const sum = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) (sum[i % 3] as number) += rgb[i] as number;
  return sum.map((s) => s / (rgb.length / 3)) as [number, number, number];
}

function expectClose(actual: readonly number[], expected: readonly number[], tolerance: number): void {
  actual.forEach((v, i) => {
    expect(Math.abs(v - (expected[i] as number)), `channel ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(
      tolerance,
    );
  });
}

async function expectDecodeError(input: string | Buffer, message: RegExp, options = {}): Promise<void> {
  const err = await preprocessToRgb(input, SPEC, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageDecodeError);
  expect((err as Error).message).toMatch(message);
}

describe('input formats', () => {
  const formats: [string, () => Promise<Buffer>, number][] = [
    ['JPEG', () => solid().jpeg({ quality: 95 }).toBuffer(), 6],
    ['PNG', () => solid().png().toBuffer(), 0],
    ['WebP', () => solid().webp({ lossless: true }).toBuffer(), 0],
    ['GIF', () => solid().gif().toBuffer(), 6],
    ['TIFF', () => solid().tiff().toBuffer(), 0],
    ['AVIF', () => solid().avif({ quality: 90 }).toBuffer(), 8],
  ];
  for (const [name, make, tolerance] of formats) {
    it(`decodes ${name}`, async () => {
      const rgb = await preprocessToRgb(await make(), SPEC);
      expect(rgb.length).toBe(32 * 32 * 3);
      expectClose(meanRgb(rgb), [RED.r, RED.g, RED.b], tolerance);
    });
  }

  it('takes the first frame of an animated GIF', async () => {
    const frames = Buffer.concat([
      await solid(40, 40, { r: 0, g: 0, b: 255 }).raw().toBuffer(),
      await solid(40, 40, { r: 255, g: 255, b: 0 }).raw().toBuffer(),
    ]);
    const gif = await sharp(frames, { raw: { width: 40, height: 80, channels: 3, pageHeight: 40 } })
      .gif()
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    expectClose(meanRgb(await preprocessToRgb(gif, SPEC)), [0, 0, 255], 8);
  });

  it('scales 16-bit images to 8 bits', async () => {
    const png16 = await solid().toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe('ushort');
    expectClose(meanRgb(await preprocessToRgb(png16, SPEC)), [RED.r, RED.g, RED.b], 1);
  });

  it('expands greyscale to three equal channels', async () => {
    const grey = await solid(64, 48, { r: 100, g: 100, b: 100 }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const [r, g, b] = meanRgb(await preprocessToRgb(grey, SPEC));
    expect(r).toBeCloseTo(100, 0);
    expect(g).toBeCloseTo(r, 5);
    expect(b).toBeCloseTo(r, 5);
  });

  it('converts CMYK to RGB', async () => {
    const cmyk = await solid().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    // sharp made these inks through its press profile but embeds none, so they are read back by the
    // plain formula (as PIL and browsers do; exactness against PIL is in image-preprocess.test.ts):
    // still clearly red, a little more saturated.
    const [r, g, b] = meanRgb(await preprocessToRgb(cmyk, SPEC));
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(60);
    expect(b).toBeLessThan(60);
  });

  it('drops alpha, keeping the colour under transparent pixels as PIL does', async () => {
    const rgba = await sharp({
      create: { width: 40, height: 40, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0 } },
    })
      .png()
      .toBuffer();
    expectClose(meanRgb(await preprocessToRgb(rgba, SPEC)), [10, 200, 30], 1);
  });

  it('applies EXIF orientation before resizing and cropping', async () => {
    // Left half red, right half blue, stored rotated so that orientation 6 shows it upright.
    const halves = await sharp({ create: { width: 64, height: 32, channels: 3, background: RED } })
      .composite([{ input: await solid(32, 32, { r: 0, g: 0, b: 255 }).png().toBuffer(), left: 32, top: 0 }])
      .png()
      .toBuffer();
    const stored = await sharp(halves)
      .rotate(-90)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const spec: ImageSpec = { ...SPEC, crop: null, resize: { height: 32, width: 64 }, height: 32, width: 64 };
    const rgb = await preprocessToRgb(stored, spec);
    const left = meanRgb(rgb.subarray(0, 3 * 16)); // first 16 pixels of row 0
    const right = meanRgb(rgb.subarray(3 * 48, 3 * 64));
    expect(left[0]).toBeGreaterThan(150);
    expect(right[2]).toBeGreaterThan(150);
  });
});

describe('bad input', () => {
  const dir = tempDir();
  const file = (name: string, bytes: Buffer | string): string => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('reports a missing file', async () => {
    await expectDecodeError(join(dir, 'nope.jpg'), /nope\.jpg: file not found/);
  });

  it('reports an empty file', async () => {
    await expectDecodeError(file('empty.jpg', ''), /empty\.jpg: file is empty/);
  });

  it('reports a non-image with an image extension', async () => {
    await expectDecodeError(
      file('notes.jpg', 'these are my holiday notes, not a picture'),
      /notes\.jpg: not a supported image format/,
    );
  });

  it('reports a truncated JPEG', async () => {
    const jpeg = await solid(400, 300).jpeg().toBuffer();
    await expectDecodeError(
      file('cut.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2))),
      /cut\.jpg: cannot decode image/,
    );
  });

  it('reports corrupt bytes inside a valid header', async () => {
    const png = await solid(200, 200).png().toBuffer();
    const corrupt = Buffer.from(png);
    for (let i = 60; i < corrupt.length - 20; i += 7) corrupt[i] = 0xff;
    await expectDecodeError(file('corrupt.png', corrupt), /corrupt\.png: cannot decode image/);
  });

  it('refuses a decompression bomb from its header, without decoding it', async () => {
    // A 100000 x 100000 PNG header with a tiny body: 1e10 pixels claimed.
    const chunk = (tag: string, data: Buffer): Buffer => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      return Buffer.concat([len, Buffer.from(tag), data, Buffer.alloc(4)]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(100_000, 0);
    ihdr.writeUInt32BE(100_000, 4);
    ihdr.set([8, 2, 0, 0, 0], 8);
    const bomb = Buffer.concat([
      Buffer.from('89504e470d0a1a0a', 'hex'),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(100))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const started = Date.now();
    await expectDecodeError(file('bomb.png', bomb), /bomb\.png: image is larger than the \d+ pixel limit/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('applies a caller-set pixel limit', async () => {
    await expectDecodeError(await solid(2000, 1000).png().toBuffer(), /larger than the 1000000 pixel limit/, {
      maxPixels: 1_000_000,
    });
  });

  it('explains HEIC where this sharp build cannot decode it', async () => {
    // An ISO-BMFF header with the HEIC brand and no decodable content.
    const ftyp = Buffer.concat([
      Buffer.from([0, 0, 0, 24]),
      Buffer.from('ftypheic'),
      Buffer.from([0, 0, 0, 0]),
      Buffer.from('mif1heic'),
    ]);
    const heic = Buffer.concat([ftyp, Buffer.alloc(64)]);
    expect(isHeic(heic)).toBe(true);
    if (heicSupported()) {
      await expectDecodeError(file('photo.heic', heic), /photo\.heic: cannot decode image/);
    } else {
      await expectDecodeError(
        file('photo.heic', heic),
        /photo\.heic: HEIC \(HEVC-coded HEIF\) is not supported by this build of sharp/,
      );
    }
  });

  it('does not mistake AVIF for HEIC', async () => {
    const avif = await solid().avif().toBuffer();
    expect(isHeic(avif)).toBe(false);
  });
});
