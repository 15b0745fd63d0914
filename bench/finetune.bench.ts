// npm run bench:finetune: fine-tuning costs on this machine's CPU at the full-size ViT-B/32's
// dimension (512), with the random-weight benchmark model's text tower.
//  1. Training to convergence (early stopping on held-out retrieval) for 1k and 10k pairs. The pairs
//     are synthetic so that there is something to learn: each caption's embedding is its photo's
//     embedding through a fixed random rotation plus noise, a relation the adapters must recover.
//     Encoding the captions with the text tower is timed apart (it happens once per caption).
//  2. Activating an image-side adapter on a 100k-photo library: activation to the first search in the
//     new space (re-projecting every stored embedding, the search scoring exactly meanwhile), and when
//     the space's own HNSW index, built in the background, is ready (LUMEN_BENCH_PHOTOS sets the size;
//     0 skips it).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ClipModel } from '../electron/core/clip/clip-model.js';
import { l2normalize } from '../electron/core/clip/vectors.js';
import { trainAdapter } from '../electron/core/finetune/trainer.js';
import { Library } from '../electron/core/library/library.js';
import { Searcher } from '../electron/core/library/search.js';
import { Random } from '../electron/core/random.js';
import { BENCH_CACHE, BENCH_MODEL_DIR, requireBenchModel } from './support/bench-model.js';
import { syntheticLibrary, syntheticVectors } from './support/synthetic-library.js';

const CACHE = BENCH_CACHE;
const MODEL_DIR = BENCH_MODEL_DIR;
const PAIRS = (process.env.LUMEN_BENCH_PAIRS ?? '1000,10000').split(',').map(Number);
const LIBRARY = Number(process.env.LUMEN_BENCH_PHOTOS ?? 100_000);

requireBenchModel('text_model_quantized.onnx');
const model = ClipModel.open(MODEL_DIR, { precision: 'quantized', providers: ['cpu'] });
const dim = model.embedDim;
console.log(`Lumen bench:finetune, dim ${dim}, model ${MODEL_DIR}`);

console.log('\n1. training to convergence (both sides, batch 64, 64 library negatives per batch)');
console.log(
  '     pairs   encode captions s   train s   steps   kept   stopped      held-out recall@5 before -> after',
);
for (const n of PAIRS) {
  const random = new Random(n);
  const images = syntheticVectors(n + 2000, dim, 5 + n);
  // A fixed random rotation (Q from a Gram-Schmidt of Gaussian rows) links photos to their captions.
  const q = syntheticVectors(dim, dim, 3);
  for (let i = 0; i < dim; i++)
    for (let j = 0; j < i; j++) {
      let d = 0;
      for (let k = 0; k < dim; k++) d += (q[i * dim + k] as number) * (q[j * dim + k] as number);
      for (let k = 0; k < dim; k++)
        q[i * dim + k] = (q[i * dim + k] as number) - d * (q[j * dim + k] as number);
      l2normalize(q.subarray(i * dim, (i + 1) * dim));
    }
  const textOf = new Map<string, Float32Array>();
  const pairs = Array.from({ length: n }, (_, i) => {
    const v = new Float32Array(dim);
    for (let r = 0; r < dim; r++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += (q[r * dim + k] as number) * (images[i * dim + k] as number);
      v[r] = s + 0.02 * random.normal();
    }
    const text = `caption number ${i}`;
    textOf.set(text, l2normalize(v));
    return { photoId: i + 1, text };
  });
  // What encoding that many real captions costs, once.
  const t0 = performance.now();
  for (let i = 0; i < n; i += 64) await model.encodeTexts(pairs.slice(i, i + 64).map((p) => p.text));
  const encodeSeconds = (performance.now() - t0) / 1000;
  const heldOut = pairs.filter((_, i) => i % 5 === 0);
  const train = pairs.filter((_, i) => i % 5 !== 0);
  const result = await trainAdapter(
    {
      dim,
      logitScale: 100,
      train,
      heldOut,
      negatives: [],
      pool: Array.from({ length: 2000 }, (_, i) => n + i + 1),
      images: (ids) => new Map(ids.map((id) => [id, images.subarray((id - 1) * dim, id * dim)])),
      encodeTexts: (texts) => Promise.resolve(texts.map((t) => textOf.get(t) as Float32Array)),
    },
    { random, maxSteps: 3000, galleryDistractors: 1000 },
  );
  console.log(
    `   ${String(n).padStart(7)}   ${encodeSeconds.toFixed(1).padStart(17)}   ${(result.ms / 1000).toFixed(1).padStart(7)}   ${String(result.steps).padStart(5)}   ${String(result.bestStep).padStart(4)}   ${result.stopped.padEnd(11)}  ${result.before.heldOutRecallAt5?.toFixed(3) ?? 'n/a'} -> ${result.after.heldOutRecallAt5?.toFixed(3) ?? 'n/a'}`,
  );
}

// LUMEN_BENCH_PHOTOS=0 times the training alone.
if (LIBRARY > 0) await activationBench();
await model.dispose();

async function activationBench(): Promise<void> {
  console.log(`\n2. activating an image-side adapter on ${LIBRARY} photos`);
  const synthetic = syntheticLibrary(join(CACHE, `bench-tags-${LIBRARY}`), LIBRARY, model);
  const library = Library.open({ dbPath: synthetic.dbPath, model });
  // A fresh space every run: drop earlier benchmark adapters and their embeddings and index files.
  for (const a of library.adapters.list(library.modelId)) {
    if (a.spaceModelId !== null) {
      library.db.prepare('DELETE FROM models WHERE id = ?').run(a.spaceModelId);
      rmSync(join(synthetic.dbPath, '..', 'index', `model-${a.spaceModelId}.hnsw`), { force: true });
    }
  }
  library.db.exec('DELETE FROM adapters');
  const random = new Random(9);
  const w = Float64Array.from({ length: dim * dim }, () => 0.01 * random.normal());
  const adapter = library.adapters.save(
    library.modelId,
    { dim, image: w, text: null, logScale: Math.log(100) },
    {},
    {},
  );
  // Activation to first search: re-projecting into the new space, then one query through the
  // library's searcher, which scores exactly while the space's own index builds in the background.
  const query = syntheticVectors(1, dim, 77);
  const searcher = new Searcher(library);
  let projectedAt = NaN;
  const t0 = performance.now();
  await library.useAdapter(adapter.id, (done, total, phase) => {
    if (phase === 'projecting' && done === total) projectedAt = performance.now();
  });
  const activated = performance.now();
  const first = await searcher.nearest(query, 10, null);
  const searched = performance.now();
  const complete = library.space.index.complete;
  await library.space.index.whenComplete();
  const built = performance.now();
  const s = (a: number, b: number): string => `${((b - a) / 1000).toFixed(1)} s`;
  console.log(
    `   activation to first search in the new space: ${s(t0, searched)} (re-projecting ${s(t0, projectedAt)}, opening the space ${s(projectedAt, activated)}, first search ${(searched - activated).toFixed(0)} ms, ${first.exact ? 'exact' : 'graph'}${complete ? '' : ' while the graph builds'})`,
  );
  console.log(`   the space's own index was ready ${s(t0, built)} after activation, built in the background`);
  await library.useAdapter(null);
  library.close();
}
