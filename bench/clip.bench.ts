// npm run bench:clip: the CLIP runtime on this machine's CPU with the full-size random ViT-B/32,
// each figure beside the bare onnxruntime / sharp figure measured in the same process:
//   images/s at batch 1, 8, 32 for fp32 and int8; text-query latency p50/p95 (padded to the context
//   length and cut at end-of-text); 12-megapixel JPEGs preprocessed per second per core.
// Make the model first: python3 scripts/models/make_shapes_clip.py --full-size

import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { ClipModel } from '../electron/core/clip/clip-model.js';
import { preprocessImage } from '../electron/core/clip/image-preprocess.js';
import { sessionOptions } from '../electron/core/clip/lazy-session.js';
import type { ImageSpec, Precision } from '../electron/core/clip/model-spec.js';
import { generatePhotoFolder } from '../scripts/shapes/photo-folder.js';
import { photoLikeJpegs } from './support/photo-like-jpegs.js';

const MODEL_DIR =
  process.env.LUMEN_BENCH_MODEL ?? join(homedir(), '.cache', 'lumen', 'bench-models', 'clip-vit-b32-random');
// The same intra-op thread count for the bare sessions and the runtime's (its default: all cores).
const THREADS = Number(process.env.LUMEN_THREADS ?? 0) || availableParallelism();
const SECONDS = Number(process.env.LUMEN_BENCH_SECONDS ?? 6);

if (!existsSync(join(MODEL_DIR, 'onnx', 'vision_model.onnx'))) {
  process.stderr.write(
    `No benchmark model at ${MODEL_DIR}.\nMake it with: python3 scripts/models/make_shapes_clip.py --full-size\n`,
  );
  process.exit(2);
}

/** Runs fn repeatedly for about SECONDS (after warm-up); returns each run's milliseconds. */
async function timeRuns(fn: () => Promise<unknown>, minRuns = 5): Promise<number[]> {
  await fn();
  await fn();
  const times: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while (times.length < minRuns || performance.now() < end) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}

/**
 * Times a and b in alternation (a b, b a, a b, ...) for about twice SECONDS, so that a slow spell of
 * the machine weighs on both alike; returns each one's milliseconds per run, in run order.
 */
async function timePaired(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  minRuns = 5,
): Promise<{ a: number[]; b: number[] }> {
  for (const fn of [a, b, a, b]) await fn();
  const out = { a: [] as number[], b: [] as number[] };
  const end = performance.now() + 2 * SECONDS * 1000;
  for (let i = 0; i < minRuns || performance.now() < end; i++) {
    for (const key of i % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
      const t = performance.now();
      await (key === 'a' ? a : b)();
      out[key].push(performance.now() - t);
    }
  }
  return out;
}

const median = (xs: number[]): number => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}
/** Lumen's extra time over the bare figure, from times (not rates). */
const overhead = (oursMs: number, bareMs: number): string =>
  `${(((oursMs - bareMs) / bareMs) * 100).toFixed(1)}%`;
const row = (cells: (string | number)[]): string => cells.map((c) => String(c).padStart(14)).join('');

async function visionThroughput(precision: Precision): Promise<void> {
  const model = ClipModel.open(MODEL_DIR, {
    precision,
    providers: ['cpu'],
    threads: THREADS,
  });
  const file = model.spec.vision.variants[precision];
  if (!file) throw new Error(`no ${precision} vision model in ${MODEL_DIR}`);
  const bare = await InferenceSession.create(file, sessionOptions('cpu', THREADS));
  const { height, width } = model.spec.image;
  console.log(`\nvision ${precision} (${file.split('/').pop()}), images/s`);
  console.log(row(['batch', 'onnxruntime', 'lumen', 'overhead']));
  for (const batch of [1, 8, 32]) {
    const pixels = Float32Array.from({ length: batch * 3 * height * width }, () => Math.random() * 2 - 1);
    const input = new Tensor('float32', pixels, [batch, 3, height, width]);
    const times = await timePaired(
      () => bare.run({ pixel_values: input }, ['image_embeds']),
      () => model.vision.encodePixels(pixels, batch),
    );
    const bareMs = median(times.a);
    const oursMs = median(times.b);
    const b = (batch * 1000) / bareMs;
    const o = (batch * 1000) / oursMs;
    console.log(row([batch, b.toFixed(1), o.toFixed(1), overhead(oursMs, bareMs)]));
  }
  await bare.release();
  await model.dispose();
}

async function textLatency(precision: Precision): Promise<void> {
  const model = ClipModel.open(MODEL_DIR, {
    precision,
    providers: ['cpu'],
    threads: THREADS,
  });
  const file = model.spec.textTower.variants[precision];
  if (!file) {
    console.log(`\n(no ${precision} text model)`);
    return;
  }
  const bare = await InferenceSession.create(file, sessionOptions('cpu', THREADS));
  const query = 'kids on a beach at sunset';
  const tokens = model.text.tokenizer.encode(query);
  const ctx = model.spec.text.contextLength;
  const feeds = (len: number): Record<string, Tensor> => {
    const ids = new BigInt64Array(len).fill(BigInt(model.spec.text.padId));
    const mask = new BigInt64Array(len);
    tokens.forEach((t, i) => {
      ids[i] = BigInt(t);
      mask[i] = 1n;
    });
    const f: Record<string, Tensor> = { input_ids: new Tensor('int64', ids, [1, len]) };
    if (bare.inputNames.includes('attention_mask')) f.attention_mask = new Tensor('int64', mask, [1, len]);
    return f;
  };
  const padded = await timeRuns(() => bare.run(feeds(ctx), ['text_embeds']), 30);
  const cut = await timeRuns(() => bare.run(feeds(tokens.length), ['text_embeds']), 30);
  const ours = await timeRuns(() => model.encodeText(query), 30);
  console.log(`\ntext ${precision}: "${query}" (${tokens.length} tokens), ms`);
  console.log(row(['', 'p50', 'p95']));
  console.log(row([`padded to ${ctx}`, median(padded).toFixed(2), quantile(padded, 0.95).toFixed(2)]));
  console.log(row(['cut at EOS', median(cut).toFixed(2), quantile(cut, 0.95).toFixed(2)]));
  console.log(row(['lumen', median(ours).toFixed(2), quantile(ours, 0.95).toFixed(2)]));
  console.log(`lumen overhead over the bare cut query: ${overhead(median(ours), median(cut))} (p50)`);
  await bare.release();
  await model.dispose();
}

/**
 * 12 MP JPEGs to 224x224 tensors, one at a time on one libvips thread: CPU time per image is the
 * per-core cost. Every variant gets the file's bytes, as the indexer hands them over (it reads each file
 * once, for its hash, thumbnail and embedding); reading files is not part of the comparison.
 */
async function jpegSet(title: string, paths: string[], spec: ImageSpec): Promise<void> {
  const inputs = paths.map((p) => readFileSync(p));
  // Each pass goes through the photos REPEATS times: long enough for process.cpuUsage to measure
  // steadily.
  const REPEATS = 3;
  const perPass = REPEATS * inputs.length;
  /** CPU milliseconds per image over one pass, and the pass's wall seconds. */
  const pass = async (fn: (input: Buffer) => Promise<unknown>): Promise<{ cpuMs: number; wall: number }> => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < REPEATS; k++) for (const input of inputs) await fn(input);
    const cpu = process.cpuUsage(cpu0);
    return {
      cpuMs: (cpu.user + cpu.system) / 1000 / perPass,
      wall: (performance.now() - t0) / 1000,
    };
  };
  const bareFn = (b: Buffer) => sharp(b).resize(224, 224, { fit: 'cover', kernel: 'cubic' }).raw().toBuffer();
  const fullDecodeFn = async (b: Buffer) => {
    // Without shrink-on-load: decode all 12 MP, then resize.
    const { data, info } = await sharp(b).raw().toBuffer({ resolveWithObject: true });
    const raw = { width: info.width, height: info.height, channels: info.channels };
    return sharp(data, { raw }).resize(224, 224, { fit: 'cover', kernel: 'cubic' }).raw().toBuffer();
  };
  // As the indexer does: into the batch's input tensor, not a fresh array per photo.
  const batch = new Float32Array(3 * spec.width * spec.height);
  const lumenFn = (b: Buffer) => preprocessImage(b, spec, { into: batch });
  const fns = { 'bare sharp': bareFn, 'full decode': fullDecodeFn, lumen: lumenFn };
  for (const fn of Object.values(fns)) await pass(fn);
  // Rounds alternate bare and Lumen passes, so that a slow spell of the machine (another process, the
  // CPU's clock) weighs on both alike; each round gives one paired ratio.
  const cpu: Record<keyof typeof fns, number[]> = { 'bare sharp': [], 'full decode': [], lumen: [] };
  const wall: Record<keyof typeof fns, number> = { 'bare sharp': 0, 'full decode': 0, lumen: 0 };
  const t0 = performance.now();
  for (let round = 0; round < 4 || performance.now() - t0 < SECONDS * 3000; round++)
    for (const [label, fn] of Object.entries(fns) as [keyof typeof fns, (b: Buffer) => Promise<unknown>][]) {
      if (label === 'full decode' && round % 4) continue; // slow and only for context
      const r = await pass(fn);
      cpu[label].push(r.cpuMs);
      wall[label] += r.wall;
    }
  const kb = inputs.reduce((a, b) => a + b.length, 0) / inputs.length / 1024;
  console.log(`\n12 MP JPEG (4000x3000, ${title}, ${kb.toFixed(0)} KB on average) to a 224x224 tensor`);
  console.log(row(['', 'images/s', 'per CPU-s', 'cores used']));
  const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  for (const label of Object.keys(fns) as (keyof typeof fns)[]) {
    const images = cpu[label].length * perPass;
    const cpuSeconds = (total(cpu[label]) * perPass) / 1000;
    console.log(
      row([
        label,
        (images / wall[label]).toFixed(1),
        (images / cpuSeconds).toFixed(1),
        (cpuSeconds / wall[label]).toFixed(2),
      ]),
    );
  }
  const ratios = cpu.lumen.map((ms, i) => ms / (cpu['bare sharp'][i] as number));
  const extraMs = (total(cpu.lumen) - total(cpu['bare sharp'])) / ratios.length;
  console.log(
    `lumen overhead per image over bare sharp with shrink-on-load: ${overhead(total(cpu.lumen), total(cpu['bare sharp']))} ` +
      `of CPU time (${extraMs.toFixed(2)} ms) over ${ratios.length} alternating rounds (per round: median ` +
      `${overhead(median(ratios), 1)}, range ${overhead(Math.min(...ratios), 1)} to ${overhead(Math.max(...ratios), 1)})`,
  );
}

async function jpegPreprocessing(): Promise<void> {
  const model = ClipModel.open(MODEL_DIR, { providers: ['cpu'] });
  // One libvips thread and one image at a time: CPU seconds per image is the per-core cost.
  sharp.concurrency(1);
  // Camera-like photos (2-5 MB, what users index), then the shapes generator's flat ones (~80 KB),
  // which decode several times faster and so show any fixed per-image cost at its largest.
  const photos = await photoLikeJpegs(join(MODEL_DIR, '..', 'jpeg-12mp-photo'), 6);
  await jpegSet('photo-like', photos, model.spec.image);
  const dir = join(MODEL_DIR, '..', 'jpeg-12mp');
  if (!existsSync(join(dir, 'manifest.json'))) {
    mkdirSync(dir, { recursive: true });
    await generatePhotoFolder(dir, { count: 0, seed: 12, largeJpegs: 6 });
  }
  const flat = readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => join(dir, f));
  if (flat.length < 6) throw new Error(`expected 6 JPEGs in ${dir}`);
  await jpegSet('flat colour', flat, model.spec.image);
  await model.dispose();
}

console.log(`Lumen bench:clip on ${process.arch}, ${availableParallelism()} cores, model ${MODEL_DIR}`);
// LUMEN_BENCH_ONLY=jpeg (or vision, text; comma-separated) runs just those sections.
const only = new Set((process.env.LUMEN_BENCH_ONLY ?? 'vision,text,jpeg').split(','));
if (only.has('vision')) {
  await visionThroughput('fp32');
  await visionThroughput('quantized');
}
if (only.has('text')) {
  await textLatency('fp32');
  await textLatency('quantized');
}
if (only.has('jpeg')) await jpegPreprocessing();
console.log(`\nRSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
