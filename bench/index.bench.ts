// npm run bench:index: the library engine on this machine's CPU with the full-size random ViT-B/32.
//  1. End-to-end indexing of camera-like 12-megapixel JPEGs (scan, read, hash, EXIF, thumbnail, encode,
//     database, vector index), against the bare pipeline (decode straight to the model's input and
//     encode, nothing else) in the same process, alternating rounds: the ratio is Lumen's photos/s over
//     the bare pipeline's, for fp32 and quantized image encoders.
//  2. Search latency p50/p95 for a text query through the library (encoding, HNSW or exact search,
//     the cut-off), recall@10 against exact search, at 10k, 100k and 1M photos (synthetic libraries of
//     clustered embeddings in real databases, cached between runs), and memory and disk per photo.
// Sizes: LUMEN_BENCH_SIZES=10000,100000 to skip the million (its index takes minutes to build once).

import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import sharp from 'sharp';
import { ClipModel } from '../electron/core/clip/clip-model.js';
import type { IndexProgress } from '../electron/core/library/index-job.js';
import { Library } from '../electron/core/library/library.js';
import { filterQuery } from '../electron/core/library/search-filters.js';
import { EXACT_LIMIT, Searcher, type SearchFilters } from '../electron/core/library/search.js';
import { describeHnswBuild, hnswlib, loadHnswlib } from '../electron/core/library/hnsw-binding.js';
import { UNCHECKED } from '../electron/core/library/search-check.js';
import { similarityMatrix } from '../electron/core/math/onnx-matmul.js';
import { DEFAULT_INDEX_PARAMS } from '../electron/core/library/vector-index.js';
import { BENCH_CACHE, BENCH_MODEL_DIR, requireBenchModel } from './support/bench-model.js';
import { photoLikeJpegs } from './support/photo-like-jpegs.js';
import { syntheticLibrary, syntheticQueries } from './support/synthetic-library.js';

const CACHE = BENCH_CACHE;
const MODEL_DIR = BENCH_MODEL_DIR;
/** The search section's model precision: the default a user gets (on CPU: images fp32, text quantized) unless set. */
const PRECISION = process.env.LUMEN_BENCH_PRECISION as 'fp32' | 'quantized' | undefined;
const SIZES = (process.env.LUMEN_BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const PHOTOS = Number(process.env.LUMEN_BENCH_PHOTOS ?? 64);
const ROUNDS = Number(process.env.LUMEN_BENCH_ROUNDS ?? 4);
const cores = availableParallelism();

requireBenchModel('vision_model.onnx');

const quantile = (xs: number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

/**
 * The bare pipeline, Lumen's baseline: read each file, sharp with shrink-on-load straight to the
 * 224 px centre crop, normalise, onnxruntime in batches of 8 with the next batch decoding meanwhile.
 * No hash, EXIF, thumbnail, database or vector index.
 */
async function barePipeline(
  files: readonly string[],
  session: InferenceSession,
  config: BareConfig,
): Promise<void> {
  const { size, mean, std } = config;
  const plane = size * size;
  const decode = (chunk: readonly string[]): Promise<Buffer[]> =>
    Promise.all(
      chunk.map(async (f) =>
        sharp(await readFile(f), { autoOrient: true })
          .resize(size, size, { fit: 'cover', kernel: 'cubic' })
          .removeAlpha()
          .raw()
          .toBuffer(),
      ),
    );
  let next: Promise<Buffer[]> | null = decode(files.slice(0, 8));
  for (let at = 0; next; at += 8) {
    const rgbs = await next;
    next = at + 8 < files.length ? decode(files.slice(at + 8, at + 16)) : null;
    const x = new Float32Array(rgbs.length * 3 * plane);
    rgbs.forEach((rgb, n) => {
      for (let i = 0; i < plane; i++)
        for (let c = 0; c < 3; c++)
          x[(n * 3 + c) * plane + i] =
            ((rgb[i * 3 + c] as number) / 255 - (mean[c] as number)) / (std[c] as number);
    });
    await session.run({ pixel_values: new Tensor('float32', x, [rgbs.length, 3, size, size]) });
  }
}

interface BareConfig {
  size: number;
  mean: number[];
  std: number[];
}

/** The preprocessing numbers straight from the model folder's preprocessor_config.json. */
function bareConfig(): BareConfig {
  const c = JSON.parse(readFileSync(join(MODEL_DIR, 'preprocessor_config.json'), 'utf8')) as {
    crop_size: number | { height: number };
    image_mean: number[];
    image_std: number[];
  };
  return {
    size: typeof c.crop_size === 'number' ? c.crop_size : c.crop_size.height,
    mean: c.image_mean,
    std: c.image_std,
  };
}

/** Indexes the folder into a fresh library (scan and index, as `lumen index` does); photos per second. */
async function lumenIndex(
  folder: string,
  model: ClipModel,
  dir: string,
): Promise<{ rate: number; cores: number; dbBytes: number }> {
  rmSync(dir, { recursive: true, force: true });
  let result: IndexProgress = {
    done: 0,
    total: 0,
    indexed: 0,
    failed: 0,
    photosPerSecond: 0,
    etaSeconds: null,
    state: 'running',
  };
  const run = await measured(async () => {
    const library = Library.open({ dbPath: join(dir, 'library.sqlite'), model });
    library.addFolder(folder);
    await library.scan();
    const { job, ids } = library.indexJob();
    result = await job.run(ids);
    library.close();
  });
  const { indexed, failed } = result;
  const dbBytes = ['library.sqlite', 'library.sqlite-wal']
    .map((f) => (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0))
    .reduce((a, b) => a + b, 0);
  if (failed) throw new Error(`${failed} photos failed to index`);
  return { rate: indexed / run.seconds, cores: run.cores, dbBytes: dbBytes / indexed };
}

/** Wall seconds of fn, and how many cores its process kept busy on average meanwhile. */
async function measured(fn: () => Promise<void>): Promise<{ seconds: number; cores: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { seconds, cores: (c.user + c.system) / 1e6 / seconds };
}

/**
 * Indexing camera-like 12 MP JPEGs (2-5 MB), Lumen against the bare pipeline, alternating which goes
 * first each round, for fp32 and quantized image encoders.
 */
async function indexing(): Promise<void> {
  const folder = join(CACHE, 'bench-photos', 'photo-like-12mp');
  const files = await photoLikeJpegs(folder, PHOTOS);
  const mb = files.reduce((sum, f) => sum + statSync(f).size, 0) / files.length / 2 ** 20;
  const config = bareConfig();
  console.log(
    `\n1. indexing ${files.length} camera-like 12 MP JPEGs (${mb.toFixed(1)} MB each), ${cores} cores, ${ROUNDS} rounds`,
  );
  for (const precision of ['fp32', 'quantized'] as const) {
    const model = ClipModel.open(MODEL_DIR, { precision: { vision: precision }, providers: ['cpu'] });
    await model.load();
    const file = join(
      MODEL_DIR,
      'onnx',
      precision === 'fp32' ? 'vision_model.onnx' : 'vision_model_quantized.onnx',
    );
    // onnxruntime's own defaults, but for its thread count: every core, as Lumen uses (its default
    // counts physical cores, which leaves half of a hyperthreaded machine idle).
    const session = await InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: cores,
    });
    const dir = join(CACHE, 'bench-library');
    const bare = async (): Promise<{ rate: number; cores: number }> => {
      const run = await measured(() => barePipeline(files, session, config));
      return { rate: files.length / run.seconds, cores: run.cores };
    };
    // Warm both (file cache, sessions, thread pools) before timing.
    await bare();
    await lumenIndex(folder, model, dir);
    type Side = { rate: number; cores: number };
    const rounds: { bare: Side; lumen: Side }[] = [];
    let dbBytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const round = { bare: { rate: 0, cores: 0 }, lumen: { rate: 0, cores: 0 } };
      for (const which of r % 2 ? (['lumen', 'bare'] as const) : (['bare', 'lumen'] as const)) {
        if (which === 'bare') round.bare = await bare();
        else {
          const run = await lumenIndex(folder, model, dir);
          round.lumen = run;
          dbBytes = run.dbBytes;
        }
      }
      rounds.push(round);
    }
    const median = (xs: number[]): number => quantile(xs, 0.5);
    const ratios = rounds.map((r) => r.lumen.rate / r.bare.rate);
    const mid = (side: 'bare' | 'lumen', key: keyof Side): number => median(rounds.map((r) => r[side][key]));
    console.log(
      `   ${precision.padEnd(9)} bare ${mid('bare', 'rate').toFixed(1)} photos/s, Lumen ${mid('lumen', 'rate').toFixed(1)} photos/s: Lumen/bare ${median(ratios).toFixed(2)} (median of rounds)`,
    );
    console.log(
      `             rounds (bare, Lumen, ratio): ${rounds.map((r, i) => `${r.bare.rate.toFixed(1)} ${r.lumen.rate.toFixed(1)} ${(ratios[i] ?? 0).toFixed(2)}`).join(' | ')}`,
    );
    console.log(
      `             cores busy: bare ${mid('bare', 'cores').toFixed(2)}, Lumen ${mid('lumen', 'cores').toFixed(2)} of ${cores}; CPU per photo: bare ${((1000 * mid('bare', 'cores')) / mid('bare', 'rate')).toFixed(0)} ms, Lumen ${((1000 * mid('lumen', 'cores')) / mid('lumen', 'rate')).toFixed(0)} ms`,
    );
    console.log(`             database ${(dbBytes / 1024).toFixed(2)} KB per photo (thumbnails apart)`);
    await session.release();
    await model.dispose();
  }
}

function topK(scores: Float32Array, k: number, keep?: (row: number) => boolean): number[] {
  const heap: number[] = []; // rows, the worst of the k best at the root
  const worse = (a: number, b: number): boolean => (scores[a] as number) < (scores[b] as number);
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l] as number, heap[m] as number)) m = l;
      if (r < heap.length && worse(heap[r] as number, heap[m] as number)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
      i = m;
    }
  };
  for (let row = 0; row < scores.length; row++) {
    if (keep && !keep(row)) continue;
    if (heap.length < k) {
      heap.push(row);
      for (let i = heap.length - 1; i > 0;) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i] as number, heap[p] as number)) break;
        [heap[i], heap[p]] = [heap[p] as number, heap[i] as number];
        i = p;
      }
    } else if (worse(heap[0] as number, row)) {
      heap[0] = row;
      down(0);
    }
  }
  return heap.sort((a, b) => (scores[b] as number) - (scores[a] as number));
}

interface Paired {
  /** Lumen's and the baseline's times, ms. */
  times: number[];
  bareTimes: number[];
  /** Lumen's recall@10 against the baseline's (exact) answer, averaged. */
  recall: number;
  /** Which path Lumen took (the last round's). */
  path: string;
  /** The baseline's ids for each round, best first. */
  truths: number[][];
}

/**
 * Times Lumen's search and the bare baseline round by round, alternating which goes first so neither
 * always runs on a warmer cache, and scores Lumen's top 10 against the baseline's.
 */
async function paired(
  rounds: number,
  lumen: (round: number) => Promise<{ ids: number[]; exact: boolean }>,
  bare: (round: number) => Promise<number[]>,
): Promise<Paired> {
  const out: Paired = { times: [], bareTimes: [], recall: 0, path: '', truths: [] };
  const timeLumen = async (round: number): Promise<number[]> => {
    const t = performance.now();
    const found = await lumen(round);
    out.times.push(performance.now() - t);
    out.path = found.exact ? 'exact' : 'graph';
    return found.ids;
  };
  const timeBare = async (round: number): Promise<number[]> => {
    const t = performance.now();
    const ids = await bare(round);
    out.bareTimes.push(performance.now() - t);
    return ids;
  };
  for (let round = 0; round < rounds; round++) {
    let ids: number[];
    let truth: number[];
    if (round % 2) {
      ids = await timeLumen(round);
      truth = await timeBare(round);
    } else {
      truth = await timeBare(round);
      ids = await timeLumen(round);
    }
    const top = new Set(truth.slice(0, 10));
    out.recall += ids.slice(0, 10).filter((id) => top.has(id)).length / 10 / rounds;
    out.truths.push(truth);
  }
  return out;
}

/**
 * The graph alone, walked by the build of hnswlib Lumen loads (through the library's index) and by npm's
 * build of it reading the same file, alternating query by query: the bare library doing the same work.
 */
function graphBuilds(library: Library, indexFile: string, queries: Float32Array, dim: number): void {
  const ours = hnswlib();
  if (ours.build === 'baseline') return;
  const npm = new (loadHnswlib('baseline').lib.HierarchicalNSW)('ip', dim);
  npm.readIndexSync(indexFile);
  const count = queries.length / dim;
  const query = (q: number): Float32Array => queries.subarray(q * dim, (q + 1) * dim);
  const parts: string[] = [];
  for (const ef of [800, 3200]) {
    npm.setEf(ef);
    const times = { lumen: [] as number[], npm: [] as number[] };
    // Twice over the queries, the first pass untimed: a graph just read is slow on first touch.
    for (let pass = 0; pass < 2; pass++)
      for (let q = 0; q < count; q++) {
        for (const side of q % 2 ? (['npm', 'lumen'] as const) : (['lumen', 'npm'] as const)) {
          const t = performance.now();
          if (side === 'lumen') library.space.index.search(query(q), 200, undefined, ef);
          else npm.searchKnn(Array.from(query(q)), 200);
          if (pass) times[side].push(performance.now() - t);
        }
      }
    const lumen = quantile(times.lumen, 0.5);
    const bare = quantile(times.npm, 0.5);
    parts.push(`ef ${ef} ${lumen.toFixed(2)} ms against ${bare.toFixed(2)} (${(lumen / bare).toFixed(2)})`);
  }
  console.log(
    `   the graph alone, ${describeHnswBuild(ours)} against npm's build on the same file, p50: ${parts.join('; ')}`,
  );
}

async function search(): Promise<void> {
  const model = ClipModel.open(MODEL_DIR, { ...(PRECISION && { precision: PRECISION }), providers: ['cpu'] });
  const dim = model.embedDim;
  await model.encodeText('warm up');
  console.log(
    `\n2. search (EXACT_LIMIT ${EXACT_LIMIT}; graph M=${DEFAULT_INDEX_PARAMS.m} efConstruction=${DEFAULT_INDEX_PARAMS.efConstruction} ef=${DEFAULT_INDEX_PARAMS.efSearch}): Searcher.nearest for the 200 best (what a search ranks), against a bare baseline in the same process, alternating: the same vectors in one Float32Array, one onnxruntime Gemm, the 200 best selected. recall@10 against exact. Filtered: the filter's SQL and the search, against bare SQL + Gemm + mask. Graph: ${describeHnswBuild(hnswlib())}.`,
  );
  for (const n of SIZES) {
    const dir = join(CACHE, `bench-search-${n}`);
    const synthetic = syntheticLibrary(dir, n, model);
    const { vectors } = synthetic;
    const rss0 = process.memoryUsage().rss;
    let t0 = performance.now();
    const library = Library.open({ dbPath: synthetic.dbPath, model });
    const openSeconds = (performance.now() - t0) / 1000;
    // A graph missing from the cache is built in the background while search scores exactly: wait for
    // it, or every query below would be timed on the exact path.
    if (!library.space.index.complete) {
      t0 = performance.now();
      let shown = 0;
      await library.space.index.whenComplete((done, total) => {
        if (done - shown < total / 20 && done < total) return;
        shown = done;
        console.log(
          `   building the graph: ${done} of ${total}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
      });
      console.log(`   graph built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    const rssIndex = process.memoryUsage().rss;
    const searcher = new Searcher(library);
    t0 = performance.now();
    library.space.index.rows();
    const rowsSeconds = (performance.now() - t0) / 1000;
    const rssRows = process.memoryUsage().rss;
    const indexFile = join(dir, 'index', `model-${library.modelId}.hnsw`);
    console.log(
      `\n   ${n} photos: open ${openSeconds.toFixed(1)} s (graph ${((rssIndex - rss0) / n / 1024).toFixed(2)} KB/photo in RAM, ${(statSync(indexFile).size / n / 1024).toFixed(2)} KB/photo on disk); vectors into memory ${rowsSeconds.toFixed(2)} s, ${((rssRows - rssIndex) / n / 1024).toFixed(2)} KB/photo; database ${synthetic.dbKbPerPhoto().toFixed(2)} KB/photo`,
    );
    console.log(
      '   queries (cosine to top 10)  path    p50 ms   p95 ms   recall@10   bare p50 ms   ratio (Lumen / bare, p50)',
    );
    const bare = async (query: Float32Array, keep?: (row: number) => boolean): Promise<number[]> =>
      topK(await similarityMatrix(vectors, n, [query]), 200, keep);
    const row = (name: string, { path, times, bareTimes, recall }: Paired): void => {
      const p50 = quantile(times, 0.5);
      const b50 = quantile(bareTimes, 0.5);
      console.log(
        `   ${name.padEnd(22)}  ${path.padEnd(5)}  ${p50.toFixed(2).padStart(7)}  ${quantile(times, 0.95).toFixed(2).padStart(7)}   ${recall.toFixed(3).padStart(9)}   ${b50.toFixed(2).padStart(11)}   ${(p50 / b50).toFixed(2)}`,
      );
    };
    // 100 a row: with 30, the p95 was the second slowest query, and one stall of the machine moved it.
    const QUERIES = 100;
    const sets = syntheticQueries(n, dim, n, QUERIES);
    const unfiltered = [
      ['photo-like', sets.photoLike],
      ['across the gap', sets.acrossGap],
      ['a wider gap', syntheticQueries(n, dim, n, QUERIES, 1.8).acrossGap],
      ['the widest gap', syntheticQueries(n, dim, n, QUERIES, 2.6).acrossGap],
      ['the far end of the gap', syntheticQueries(n, dim, n, QUERIES, 4.5).acrossGap],
      ['random', sets.random],
    ] as const;
    // Measured at the library's defaults: a check kept from an earlier run would change the ef.
    library.setSearchHealth(UNCHECKED);
    // Warm: a graph just read from its file is slow on first touch (page faults on this VM, ~13 us per
    // 4 KB page). These queries are not timed, nor kept for the check.
    const warm = syntheticQueries(n, dim, n + 1, 200);
    for (let q = 0; q < 200; q++)
      await searcher.nearest(warm.random.subarray(q * dim, (q + 1) * dim), 200, null);
    library.recentQueries.take();
    await unfilteredRows('');
    // Text queries from the random model sit like random directions; the check below sees them too.
    await endToEnd('', 1000);
    graphBuilds(library, indexFile, unfiltered.at(-2)?.[1] ?? sets.random, dim);
    // What the engine does when idle: re-run the recent graph queries exactly, raise ef (or go exact)
    // until recall@10 reaches the target; then the same queries again.
    const t1 = performance.now();
    const health = await searcher.checkItself();
    if (health) {
      console.log(
        `   the search checked itself on its last ${health.queries} queries in ${((performance.now() - t1) / 1000).toFixed(1)} s: recall@10 ${health.recall?.toFixed(3)}, now ${health.path === 'exact' ? 'exact' : `ef ${health.ef ?? DEFAULT_INDEX_PARAMS.efSearch}`}`,
      );
      await unfilteredRows(' *');
    }
    /**
     * End to end: a text query encoded, ranked and cut, as `lumen search` does it; 100 different ones
     * (from `first`), after 10 untimed (the rows before end on the bare side's scans, which leave every
     * cache cold). `mark` flags the rows after the check.
     */
    async function endToEnd(mark: string, first: number): Promise<void> {
      const times: number[] = [];
      for (let q = -10; q < 100; q++) {
        const t = performance.now();
        await searcher.search(`query number ${first + q}`, { limit: 20 });
        if (q >= 0) times.push(performance.now() - t);
      }
      console.log(
        `   a text query end to end (encode, rank, cut-off)${mark}: p50 ${quantile(times, 0.5).toFixed(2)} ms, p95 ${quantile(times, 0.95).toFixed(2)} ms`,
      );
    }
    /** One row per kind of unfiltered query; `mark` flags the rows after the check. */
    async function unfilteredRows(mark: string): Promise<void> {
      for (const [name, queries] of unfiltered) {
        const query = (q: number): Float32Array => queries.subarray(q * dim, (q + 1) * dim);
        const result = await paired(
          QUERIES,
          async (q) => {
            const found = await searcher.nearest(query(q), 200, null);
            return { ids: found.hits.map((h) => h.id), exact: found.exact };
          },
          async (q) => (await bare(query(q))).map((r) => r + 1),
        );
        // How far the queries sit from their nearest photos: the mean cosine to the true top 10.
        let cosine = 0;
        result.truths.forEach((truth, q) => {
          for (const id of truth.slice(0, 10)) {
            let s = 0;
            for (let d = 0; d < dim; d++)
              s += (vectors[(id - 1) * dim + d] as number) * (query(q)[d] as number);
            cosine += s / 10 / QUERIES;
          }
        });
        row(`${name} (${cosine.toFixed(2)})${mark}`, result);
      }
    }
    // Filtered: photo i was taken i minutes before the newest; 1000 photos per folder; 1 in 3 an iPhone;
    // 1 in 20 tagged "bench tag", 1 in 100 in the album "bench album", 1 in 4 tagged "bench quarter".
    const newest = library.db.prepare('SELECT MAX(taken_at) FROM photos').pluck().get() as number;
    const share = (f: number): { from: number } => ({ from: newest - Math.floor(n * f) * 60_000 + 1 });
    const every = (step: number): number[] =>
      Array.from({ length: Math.floor(n / step) }, (_, i) => i * step + 1);
    for (const [name, step] of [
      ['bench tag', 20],
      ['bench quarter', 4],
    ] as const)
      if (!library.tags.categoryByName(name)) {
        const { id } = library.tags.addCategory({ name, auto: false });
        library.tags.setUserTags(every(step), id, 'manual');
      }
    if (!library.albums.byName('bench album'))
      library.albums.add(library.albums.create('bench album').id, every(100));
    // The bare side's allowed photos as a mask by id, straight from SQL: the filter's own query, and
    // each tag's or album's rows.
    const bareMask = (filters: SearchFilters): Uint8Array => {
      const q = filterQuery(filters);
      const lists: number[][] = q
        ? [
            library.db
              .prepare(q.sql)
              .pluck()
              .all(...q.args) as number[],
          ]
        : [];
      for (const tag of filters.tags ?? [])
        lists.push(
          library.db
            .prepare(
              'SELECT photo_id FROM photo_tags t JOIN categories c ON c.id = t.category_id WHERE c.name = ?',
            )
            .pluck()
            .all(tag) as number[],
        );
      for (const album of filters.albums ?? [])
        lists.push(
          library.db
            .prepare(
              'SELECT photo_id FROM album_photos m JOIN albums a ON a.id = m.album_id WHERE a.name = ?',
            )
            .pluck()
            .all(album) as number[],
        );
      const count = new Uint8Array(n + 1);
      for (const list of lists) for (const id of list) count[id] = (count[id] as number) + 1;
      return count.map((c) => (c === lists.length ? 1 : 0));
    };
    // What the engine does once the app is quiet after opening a library: build the filter columns.
    t0 = performance.now();
    await searcher.prepare();
    console.log(
      `   filter columns built ahead (when the app is idle) in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
    for (const [name, filters] of [
      ['folder 100%', { folder: '/synthetic' }],
      ['date 50%', share(0.5)],
      ['camera 33%', { camera: 'iphone' }],
      ['tag 25%', { tags: ['bench quarter'] }],
      ['camera+date 17%', { camera: 'iphone', ...share(0.5) }],
      ['date 12%', share(0.12)],
      ['date 10%', share(0.1)],
      ['tag 5%', { tags: ['bench tag'] }],
      ['date 1%', share(0.01)],
      ['album 1%', { albums: ['bench album'] }],
      ['tag+date 0.5%', { tags: ['bench tag'], ...share(0.1) }],
      ['folder 0.1%', { folder: '/synthetic/5' }],
      ['date 0.1%', share(0.001)],
    ] as const satisfies readonly (readonly [string, SearchFilters])[]) {
      const query = (q: number): Float32Array => sets.acrossGap.subarray(q * dim, (q + 1) * dim);
      const result = await paired(
        QUERIES,
        async (q) => {
          const allowed = await searcher.allowedIds(filters);
          const found = await searcher.nearest(query(q), 200, allowed);
          return { ids: found.hits.map((h) => h.id), exact: found.exact };
        },
        async (q) => {
          const mask = bareMask(filters);
          return (await bare(query(q), (r) => mask[r + 1] === 1)).map((r) => r + 1);
        },
      );
      row(name, result);
    }
    if (health) await endToEnd(' *', 100);
    library.close();
  }
  await model.dispose();
}

/** Rescanning an unchanged library: every file is stat'ed and compared, none is read. */
async function rescan(): Promise<void> {
  const n = Number(process.env.LUMEN_BENCH_RESCAN ?? 100_000);
  const model = ClipModel.open(MODEL_DIR, { ...(PRECISION && { precision: PRECISION }), providers: ['cpu'] });
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

console.log(`Lumen bench:index, model ${MODEL_DIR} (${PRECISION ?? 'default precision'})`);
if (process.env.LUMEN_BENCH_SKIP_PIPELINE !== '1') await indexing();
await search();
await rescan();
