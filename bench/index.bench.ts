// npm run bench:index: the library engine on this machine's CPU with the full-size random ViT-B/32.
//  1. End-to-end indexing of a folder of 12-megapixel JPEGs, beside the bound set by decoding and
//     encoding sharing the cores: cores / (decode core-s + encode core-s per photo), both measured here.
//  2. Search latency p50/p95 for a text query through the library (encoding, HNSW or exact search,
//     the cut-off), recall@10 against exact search, at 10k, 100k and 1M photos (synthetic libraries of
//     clustered embeddings in real databases, cached between runs), and memory and disk per photo.
// Sizes: LUMEN_BENCH_SIZES=10000,100000 to skip the million (its index takes minutes to build once).

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ClipModel } from '../electron/core/clip/clip-model.js';
import { rgbToTensor } from '../electron/core/clip/image-preprocess.js';
import { Library } from '../electron/core/library/library.js';
import { readPhoto } from '../electron/core/library/photo-reader.js';
import { Searcher } from '../electron/core/library/search.js';
import { DEFAULT_INDEX_PARAMS } from '../electron/core/library/vector-index.js';
import { generatePhotoFolder } from '../scripts/shapes/photo-folder.js';
import { BENCH_CACHE, BENCH_MODEL_DIR, requireBenchModel } from './support/bench-model.js';
import { syntheticLibrary, syntheticVectors } from './support/synthetic-library.js';

const CACHE = BENCH_CACHE;
const MODEL_DIR = BENCH_MODEL_DIR;
const PRECISION = (process.env.LUMEN_BENCH_PRECISION ?? 'fp32') as 'fp32' | 'quantized';
const SIZES = (process.env.LUMEN_BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const PHOTOS = Number(process.env.LUMEN_BENCH_PHOTOS ?? 48);
const cores = availableParallelism();

requireBenchModel('vision_model.onnx');

const cpuSeconds = (fn: () => Promise<void>): Promise<number> => {
  const c0 = process.cpuUsage();
  return fn().then(() => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  });
};
const quantile = (xs: number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

async function pipeline(): Promise<void> {
  const folder = join(CACHE, 'bench-photos', `jpeg-12mp-${PHOTOS}`);
  if (!existsSync(join(folder, 'manifest.json')))
    await generatePhotoFolder(folder, { count: 0, seed: 7, largeJpegs: PHOTOS });
  const files = readdirSync(folder)
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => join(folder, f));
  const model = ClipModel.open(MODEL_DIR, { precision: PRECISION, providers: ['cpu'] });
  const spec = model.spec.image;
  await model.load();

  // Decode cost: one photo at a time, one libvips thread, so CPU time per photo is core-seconds.
  sharp.concurrency(1);
  const sample = files.slice(0, 12);
  await readPhoto(sample[0] ?? '', spec);
  const decoded: Buffer[] = [];
  const decodeCpu = await cpuSeconds(async () => {
    for (const f of sample) decoded.push((await readPhoto(f, spec)).rgb);
  });
  sharp.concurrency(0);
  // Encode cost: batches of 8 through the vision graph (its threads all counted).
  const per = 3 * spec.height * spec.width;
  const pixels = new Float32Array(8 * per);
  decoded.slice(0, 8).forEach((rgb, i) => rgbToTensor(rgb, spec, pixels, i * per));
  await model.vision.encodePixels(pixels, 8);
  const encodeCpu = await cpuSeconds(async () => {
    for (let i = 0; i < 3; i++) await model.vision.encodePixels(pixels, 8);
  });
  const decodePer = decodeCpu / sample.length;
  const encodePer = encodeCpu / 24;
  const bound = cores / (decodePer + encodePer);

  const dir = join(CACHE, 'bench-library');
  rmSync(dir, { recursive: true, force: true });
  const library = Library.open({ dbPath: join(dir, 'library.sqlite'), model });
  library.addFolder(folder);
  await library.scan();
  const { job, ids } = library.indexJob();
  const t0 = performance.now();
  const result = await job.run(ids);
  const seconds = (performance.now() - t0) / 1000;
  const rate = result.indexed / seconds;
  const dbBytes = ['library.sqlite', 'library.sqlite-wal']
    .map((f) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0))
    .reduce((a, b) => a + b, 0);
  library.close();
  console.log(`\n1. indexing ${result.indexed} 12 MP JPEGs, ${PRECISION}, ${cores} cores`);
  console.log(
    `   decode ${decodePer.toFixed(3)} core-s/photo, encode ${encodePer.toFixed(3)} core-s/photo -> bound ${bound.toFixed(1)} photos/s`,
  );
  console.log(
    `   end to end ${rate.toFixed(1)} photos/s = ${((100 * rate) / bound).toFixed(0)}% of the bound`,
  );
  console.log(`   database ${(dbBytes / result.indexed / 1024).toFixed(2)} KB per photo (thumbnails apart)`);
  await model.dispose();
}

async function search(): Promise<void> {
  const model = ClipModel.open(MODEL_DIR, { precision: PRECISION, providers: ['cpu'] });
  const dim = model.embedDim;
  await model.encodeText('warm up');
  console.log(
    `\n2. search through the library (SQLite + HNSW, M=${DEFAULT_INDEX_PARAMS.m} efConstruction=${DEFAULT_INDEX_PARAMS.efConstruction} ef=${DEFAULT_INDEX_PARAMS.efSearch}): a text query encoded and ranked (limit 20, adaptive cut-off); recall@10 against exact, for held-out photo-like queries (near) and random directions (far)`,
  );
  console.log(
    '   photos   open/build s   p50 ms   p95 ms   filtered p50 ms   recall@10 near / far   index RAM KB/photo   index disk KB/photo   database KB/photo',
  );
  for (const n of SIZES) {
    const dir = join(CACHE, `bench-search-${n}`);
    const synthetic = syntheticLibrary(dir, n, model);
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const library = Library.open({ dbPath: synthetic.dbPath, model });
    const openSeconds = (performance.now() - t0) / 1000;
    const ramPerPhoto = (process.memoryUsage().rss - rss0) / n / 1024;
    const searcher = new Searcher(library);
    const times: number[] = [];
    const filtered: number[] = [];
    for (let q = 0; q < 100; q++) {
      let t = performance.now();
      await searcher.search(`query number ${q}`, { limit: 20 });
      times.push(performance.now() - t);
      if (q < 20) {
        t = performance.now();
        await searcher.search(`query number ${q}`, { limit: 20, filters: { camera: 'iphone' } });
        filtered.push(performance.now() - t);
      }
    }
    const { vectors } = synthetic;
    // Two query sets: held-out points of the library's own clusters (the same generator, 30 rows past
    // the library's: photo-like queries, "find similar"), and random directions far from every cluster
    // (the harder case, like a text query across the modality gap).
    const near = syntheticVectors(n + 30, dim, n).subarray(n * dim);
    const far = syntheticVectors(30, dim, 99 + n);
    const recallOf = async (queries: Float32Array): Promise<number> => {
      let recall = 0;
      for (let q = 0; q < 30; q++) {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        const { hits } = await searcher.nearest(query, 10, null);
        const scores = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += (vectors[i * dim + d] as number) * (query[d] as number);
          scores[i] = s;
        }
        const exact = new Set(
          Array.from(scores.keys())
            .sort((a, b) => (scores[b] as number) - (scores[a] as number))
            .slice(0, 10)
            .map((i) => i + 1),
        );
        recall += hits.filter((h) => exact.has(h.id)).length / 10;
      }
      return recall / 30;
    };
    const recallNear = await recallOf(near);
    const recallFar = await recallOf(far);
    const indexFile = join(dir, 'index', `model-${library.modelId}.hnsw`);
    library.close();
    const disk = statSync(indexFile).size / n / 1024;
    console.log(
      `   ${String(n).padStart(7)}   ${openSeconds.toFixed(1).padStart(12)}   ${quantile(times, 0.5).toFixed(2).padStart(6)}   ${quantile(times, 0.95).toFixed(2).padStart(6)}   ${quantile(filtered, 0.5).toFixed(2).padStart(15)}   ${recallNear.toFixed(3).padStart(11)} / ${recallFar.toFixed(3)}   ${ramPerPhoto.toFixed(2).padStart(18)}   ${disk.toFixed(2).padStart(19)}   ${synthetic.dbKbPerPhoto().toFixed(2).padStart(17)}`,
    );
  }
  await model.dispose();
}

/** Rescanning an unchanged library: every file is stat'ed and compared, none is read. */
async function rescan(): Promise<void> {
  const n = Number(process.env.LUMEN_BENCH_RESCAN ?? 100_000);
  const model = ClipModel.open(MODEL_DIR, { precision: PRECISION, providers: ['cpu'] });
  const dir = join(CACHE, `bench-rescan-${n}`);
  const folder = join(dir, 'photos');
  const dbPath = join(dir, 'library.sqlite');
  let library = Library.open({ dbPath, model });
  if (library.status().total !== n) {
    library.close();
    rmSync(dir, { recursive: true, force: true });
    // Tiny stand-in files: a rescan never opens them, so their content does not matter.
    for (let i = 0; i < n; i++) {
      const sub = join(folder, `${Math.floor(i / 1000)}`);
      if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `IMG_${i}.jpg`), 'x');
    }
    library = Library.open({ dbPath, model });
    library.addFolder(folder);
    await library.scan();
  }
  const t0 = performance.now();
  const summary = await library.scan();
  const seconds = (performance.now() - t0) / 1000;
  library.close();
  console.log(
    `\n3. rescanning an unchanged library of ${n} photos: ${seconds.toFixed(2)} s (${summary.unchanged} unchanged, ${summary.added + summary.changed + summary.removed} changes)`,
  );
}

console.log(`Lumen bench:index, model ${MODEL_DIR} (${PRECISION})`);
if (process.env.LUMEN_BENCH_SKIP_PIPELINE !== '1') await pipeline();
await search();
await rescan();
