// 12-megapixel JPEGs with a camera photo's file size and entropy, for the preprocessing benchmark.
// The shapes generator's 12 MP photos are mostly flat colour (about 80 KB each), which libjpeg decodes
// far faster than a real photo (2-5 MB): on them any fixed per-image cost looks several times larger
// than it is on a user's library. These have structure at every scale: a coarse random colour field
// enlarged bicubically (smooth regions and edges) plus sensor-like grain, at quality 88-94.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Random } from '../../electron/core/random.js';

const WIDTH = 4000;
const HEIGHT = 3000;

async function photoLike(rng: Random, quality: number): Promise<Buffer> {
  const cw = WIDTH / 100;
  const ch = HEIGHT / 100;
  const coarse = Buffer.alloc(cw * ch * 3);
  for (let i = 0; i < coarse.length; i++) coarse[i] = rng.int(0, 255);
  const px = await sharp(coarse, { raw: { width: cw, height: ch, channels: 3 } })
    .resize(WIDTH, HEIGHT, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  // Grain: a sum of three uniforms (close to Gaussian, much cheaper than Box-Muller for 36M samples).
  const sigma = rng.uniform(4, 8);
  for (let i = 0; i < px.length; i++) {
    const grain = (rng.next() + rng.next() + rng.next() - 1.5) * 2 * sigma;
    px[i] = Math.min(255, Math.max(0, Math.round((px[i] as number) + grain)));
  }
  return sharp(px, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** The paths of `count` photo-like 12 MP JPEGs in dir, written on first use (about 4 s each). */
export async function photoLikeJpegs(dir: string, count: number): Promise<string[]> {
  const list = (): string[] =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((f) => join(dir, f));
  if (existsSync(join(dir, 'done')) && list().length >= count) return list().slice(0, count);
  mkdirSync(dir, { recursive: true });
  const rng = new Random(4000);
  for (let k = 0; k < count; k++)
    writeFileSync(join(dir, `photo-${k}.jpg`), await photoLike(rng, 88 + 3 * (k % 3)));
  writeFileSync(join(dir, 'done'), '');
  return list().slice(0, count);
}
