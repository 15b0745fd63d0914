// npm run bench:variants: which precision each encoder should run at by default, measured with the
// test model (offline) on a generated library of shapes whose truth is known: precision@10 of colour
// and shape queries for each pairing of image and text encoder precisions, and how far each quantised
// encoder's embeddings move from full precision (cosine). Speed is bench:clip's (full-size model).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClipModel } from '../electron/core/clip/clip-model.js';
import type { Precision } from '../electron/core/clip/model-spec.js';
import { generatePhotoFolder } from '../scripts/shapes/photo-folder.js';

const TEST_MODEL_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'test',
  'fixtures',
  'models',
  'shapes-clip',
);
const COLOURS = ['red', 'green', 'blue', 'yellow', 'white', 'purple', 'orange'];
const SHAPES = ['circle', 'star', 'triangle', 'square', 'hexagon', 'cross'];
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

const scratch = mkdtempSync(join(tmpdir(), 'lumen-variants-'));
const folder = join(scratch, 'photos');
const photos = await generatePhotoFolder(folder, {
  count: Number(process.env.LUMEN_BENCH_PHOTOS ?? 600),
  seed: 5,
});
const queries = COLOURS.flatMap((c) => SHAPES.map((s) => ({ text: `a photo of a ${c} ${s}`, c, s })));
const PRECISIONS: Precision[] = ['fp32', 'quantized'];
const images = new Map<Precision, Float32Array[]>();
const texts = new Map<Precision, Float32Array[]>();
for (const p of PRECISIONS) {
  const model = ClipModel.open(TEST_MODEL_DIR, { precision: p, providers: ['cpu'] });
  images.set(p, await model.encodeImages(photos.map((x) => x.path)));
  texts.set(p, await model.encodeTexts(queries.map((q) => q.text)));
  await model.dispose();
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const min = (xs: number[]): number => Math.min(...xs);
const fp32Images = images.get('fp32') ?? [];
const fp32Texts = texts.get('fp32') ?? [];
const qImages = (images.get('quantized') ?? []).map((v, i) => dot(v, fp32Images[i] as Float32Array));
const qTexts = (texts.get('quantized') ?? []).map((v, i) => dot(v, fp32Texts[i] as Float32Array));
console.log(
  `Lumen bench:variants, test model ${TEST_MODEL_DIR}, ${photos.length} photos, ${queries.length} queries`,
);
console.log(
  `quantized against fp32, cosine: image mean ${mean(qImages).toFixed(4)} (min ${min(qImages).toFixed(4)}), text mean ${mean(qTexts).toFixed(4)} (min ${min(qTexts).toFixed(4)})`,
);
console.log('image encoder  text encoder  precision@10  (queries with at least 10 matches)');
for (const pi of PRECISIONS)
  for (const pt of PRECISIONS) {
    const imgs = images.get(pi) ?? [];
    const scores: number[] = [];
    queries.forEach((q, j) => {
      const truth = photos.map((p) => p.colour === q.c && p.shape === q.s);
      if (truth.filter(Boolean).length < 10) return;
      const t = (texts.get(pt) ?? [])[j] as Float32Array;
      const ranked = imgs.map((v, i) => ({ i, s: dot(v, t) })).sort((a, b) => b.s - a.s);
      scores.push(ranked.slice(0, 10).filter((r) => truth[r.i]).length / 10);
    });
    console.log(`${pi.padEnd(13)}  ${pt.padEnd(12)}  ${mean(scores).toFixed(3)}  (${scores.length})`);
  }
rmSync(scratch, { recursive: true, force: true });
