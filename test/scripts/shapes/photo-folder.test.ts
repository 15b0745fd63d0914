// The test photo generator itself: orientations store pixels so that they display upright, the
// manifest tells the truth, and formats and sizes are as asked.

import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/temp.js';
import { generatePhotoFolder, storeForOrientation } from '../../../scripts/shapes/photo-folder.js';

describe('EXIF orientation storage', () => {
  it('every orientation 1-8 displays upright after auto-orient', async () => {
    // An asymmetric picture: a horizontal gradient with a bright block near the top-left corner.
    const w = 48;
    const h = 32;
    const upright = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const block = x < 12 && y < 8;
        upright.set(block ? [255, 255, 255] : [x * 5, 40, y * 7], (y * w + x) * 3);
      }
    for (let o = 1; o <= 8; o++) {
      const stored = storeForOrientation(upright, w, h, o);
      expect([stored.width, stored.height]).toEqual(o >= 5 ? [h, w] : [w, h]);
      const jpeg = await sharp(stored.data, {
        raw: { width: stored.width, height: stored.height, channels: 3 },
      })
        .withMetadata({ orientation: o })
        .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
        .toBuffer();
      const { data, info } = await sharp(jpeg, { autoOrient: true })
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height], `orientation ${o}`).toEqual([w, h]);
      let diff = 0;
      for (let i = 0; i < data.length; i++) diff += Math.abs((data[i] as number) - (upright[i] as number));
      expect(diff / data.length, `orientation ${o}`).toBeLessThan(3);
    }
  });
});

describe('generatePhotoFolder', () => {
  it('writes the photos its manifest lists, in mixed formats, orientations and sizes', async () => {
    const dir = tempDir();
    const photos = await generatePhotoFolder(dir, {
      count: 20,
      seed: 7,
      orientations: true,
      oddSizes: 5,
      subfolders: 2,
    });
    expect(photos).toHaveLength(25);
    expect(new Set(photos.map((p) => p.format))).toEqual(
      new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif']),
    );
    expect(
      new Set(photos.filter((p) => p.format === 'jpeg').map((p) => p.orientation)).size,
    ).toBeGreaterThanOrEqual(6);
    for (const p of photos) {
      expect(existsSync(p.path)).toBe(true);
      const meta = await sharp(p.path).metadata();
      expect(meta.format === 'heif' ? 'avif' : meta.format).toBe(p.format);
      // The manifest gives the displayed size; the file holds it rotated for orientations 5-8.
      expect([meta.autoOrient.width, meta.autoOrient.height]).toEqual([p.width, p.height]);
    }
    const odd = photos.filter((p) => p.kind === 'odd-size');
    expect(Math.max(...odd.map((p) => p.width / p.height))).toBeGreaterThan(5);
    expect(Math.min(...odd.map((p) => Math.min(p.width, p.height)))).toBeLessThan(20);
  });

  it('is reproducible for a seed', async () => {
    const a = await generatePhotoFolder(tempDir(), { count: 4, seed: 11 });
    const b = await generatePhotoFolder(tempDir(), { count: 4, seed: 11 });
    expect(a.map(({ path: _p, ...rest }) => rest)).toEqual(b.map(({ path: _p, ...rest }) => rest));
  });
});
