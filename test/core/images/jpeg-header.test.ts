// The JPEG header reader that spares preprocessing a libvips header load: on every JPEG it accepts it
// must agree with libvips (sharp's metadata) about size and orientation, and it must refuse, rather
// than guess, whatever it does not fully understand.

import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { preprocessToRgb } from '../../../electron/core/clip/image-preprocess.js';
import { orientedSize, parseJpegHeader } from '../../../electron/core/images/jpeg-header.js';
import { generatePhotoFolder } from '../../../scripts/shapes/photo-folder.js';
import { SMALL_SPEC } from '../../support/specs.js';
import { tempDir } from '../../support/temp.js';

/** What libvips says: stored size, orientation and the size as displayed. */
async function libvips(jpeg: Buffer) {
  const m = await sharp(jpeg).metadata();
  return {
    width: m.width,
    height: m.height,
    orientation: m.orientation ?? 1,
    displayed: { width: m.autoOrient.width, height: m.autoOrient.height },
  };
}

const segment = (marker: number, payload: Buffer): Buffer => {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
};

/** An APP1 EXIF block whose IFD0 holds one SHORT tag, in either byte order. */
function exifApp1(orientation: number, bigEndian: boolean, type = 3): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  const u16 = (v: number, at: number) => (bigEndian ? tiff.writeUInt16BE(v, at) : tiff.writeUInt16LE(v, at));
  const u32 = (v: number, at: number) => (bigEndian ? tiff.writeUInt32BE(v, at) : tiff.writeUInt32LE(v, at));
  tiff.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(1, 8);
  u16(0x0112, 10);
  u16(type, 12);
  u32(1, 14);
  u16(orientation, 18);
  return segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]));
}

/** The JPEG with extra segments put right after its start-of-image marker. */
const withSegments = (jpeg: Buffer, ...segments: Buffer[]): Buffer =>
  Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);

const plain = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 30 } } })
    .jpeg({ quality: 90 })
    .toBuffer();

describe('parseJpegHeader', () => {
  it('agrees with libvips on generated photos in every EXIF orientation, baseline and progressive', async () => {
    const photos = await generatePhotoFolder(tempDir(), {
      count: 16,
      seed: 5,
      formats: ['jpeg'],
      orientations: true,
    });
    const files = photos.map((p) => readFileSync(p.path));
    files.push(await sharp(files[0]).jpeg({ progressive: true }).toBuffer());
    files.push(await sharp(files[1]).toColourspace('b-w').jpeg().toBuffer());
    for (const [i, f] of files.entries()) {
      const h = parseJpegHeader(f);
      const want = await libvips(f);
      expect(h, `file ${i}`).not.toBeNull();
      if (!h) continue;
      expect([h.width, h.height, h.orientation]).toEqual([want.width, want.height, want.orientation]);
      expect(orientedSize(h)).toEqual(want.displayed);
    }
    expect(new Set(photos.map((p) => p.orientation)).size).toBe(8);
  }, 60_000);

  it('reads big- and little-endian EXIF as libvips does, and skips fill bytes', async () => {
    const jpeg = await plain(40, 30);
    for (const bigEndian of [true, false])
      for (const o of [1, 3, 6, 8]) {
        const bytes = withSegments(jpeg, exifApp1(o, bigEndian));
        expect((await libvips(bytes)).orientation).toBe(o);
        expect(parseJpegHeader(bytes)).toEqual({ width: 40, height: 30, components: 3, orientation: o });
      }
    const filled = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xff]), jpeg.subarray(2)]);
    expect(parseJpegHeader(filled)).toMatchObject({ width: 40, height: 30 });
  });

  it('refuses what it does not fully understand', async () => {
    const jpeg = await plain(40, 30);
    const sos = jpeg.indexOf(Buffer.from([0xff, 0xda]));
    const cmyk = await sharp(jpeg).toColourspace('cmyk').jpeg().toBuffer();
    const png = await sharp(jpeg).png().toBuffer();
    const refused: [string, Buffer][] = [
      ['cut before the first scan', jpeg.subarray(0, sos)],
      ['two EXIF blocks', withSegments(jpeg, exifApp1(6, false), exifApp1(6, false))],
      ['orientation 9', withSegments(jpeg, exifApp1(9, false))],
      ['orientation as a LONG', withSegments(jpeg, exifApp1(6, false, 4))],
      ['CMYK', cmyk],
      ['a PNG', png],
      ['empty', Buffer.alloc(0)],
      ['a marker length running past the end', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x40, 0x00, 1, 2, 3])],
    ];
    for (const [what, bytes] of refused) expect(parseJpegHeader(bytes), what).toBeNull();
  });
});

describe('preprocessing through the JPEG header', () => {
  it('gives the same pixels as through libvips metadata (a buffer the reader refuses)', async () => {
    // The same image data with two identical EXIF blocks: refused by the reader, so preprocessing asks
    // libvips; with one block it takes the reader's path. Both must orient and crop alike.
    const halves = await sharp({
      create: { width: 90, height: 50, channels: 3, background: { r: 220, g: 30, b: 40 } },
    })
      .composite([
        {
          input: await sharp({
            create: { width: 45, height: 50, channels: 3, background: { r: 0, g: 0, b: 255 } },
          })
            .png()
            .toBuffer(),
          left: 45,
          top: 0,
        },
      ])
      .rotate(-90)
      .jpeg({ quality: 92 })
      .toBuffer();
    const one = withSegments(halves, exifApp1(6, true));
    const two = withSegments(halves, exifApp1(6, true), exifApp1(6, true));
    expect(parseJpegHeader(one)?.orientation).toBe(6);
    expect(parseJpegHeader(two)).toBeNull();
    expect((await libvips(two)).orientation).toBe(6);
    const viaHeader = await preprocessToRgb(one, SMALL_SPEC);
    const viaLibvips = await preprocessToRgb(two, SMALL_SPEC);
    expect(viaHeader.equals(viaLibvips)).toBe(true);
  });

  it('still refuses a JPEG decompression bomb, from its header', async () => {
    // A real JPEG whose frame header claims 60000 x 60000 pixels.
    const jpeg = await plain(40, 30);
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    const bomb = Buffer.from(jpeg);
    bomb.writeUInt16BE(60_000, sof + 5);
    bomb.writeUInt16BE(60_000, sof + 7);
    expect(parseJpegHeader(bomb)).toMatchObject({ width: 60_000, height: 60_000 });
    const started = Date.now();
    await expect(preprocessToRgb(bomb, SMALL_SPEC)).rejects.toThrow(/larger than the \d+ pixel limit/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
