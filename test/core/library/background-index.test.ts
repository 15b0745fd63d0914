// No index build on the critical path: activating an image-side adapter, or opening a library whose
// index file is gone, returns with every vector in memory and search answering exactly (the same
// results as an independent exact computation), while the graph is built in the background; search
// then switches to the graph. A library closed mid-build leaves no partial index to be mistaken for a
// whole one.

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { dot } from '../../../electron/core/clip/vectors.js';
import { projectVector } from '../../../electron/core/finetune/adapter-space.js';
import { Library } from '../../../electron/core/library/library.js';
import { Searcher } from '../../../electron/core/library/search.js';
import { Random } from '../../../electron/core/random.js';
import { syntheticLibrary, syntheticVectors } from '../../../bench/support/synthetic-library.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);
const N = 6000;

/** The k best ids for a query over these vectors, by brute force. */
function truth(vectors: Map<number, Float32Array>, query: Float32Array, k: number): number[] {
  return [...vectors]
    .map(([id, v]) => ({ id, s: dot(v, query) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.id);
}

function storedVectors(library: Library): Map<number, Float32Array> {
  return library.store.vectors(library.modelId, library.store.embeddedIds(library.modelId));
}

describe('index builds off the critical path', () => {
  it('searches the adapter space exactly right after activation, then through its graph', async () => {
    const { dbPath } = syntheticLibrary(tempDir(), N, model);
    const library = Library.open({ dbPath, model });
    await library.index.whenComplete();
    const dim = model.embedDim;
    const random = new Random(5);
    const w = Float64Array.from({ length: dim * dim }, () => 0.2 * random.normal());
    const adapter = library.adapters.save(
      library.modelId,
      { dim, image: w, text: null, logScale: 4.6 },
      {},
      {},
    );
    const projected = new Map([...storedVectors(library)].map(([id, v]) => [id, projectVector(v, w)]));
    // The graph path at any size: only an unfinished graph sends a query to exact search.
    const searcher = new Searcher(library, 0);
    const queries = syntheticVectors(10, dim, 99);
    const query = (i: number): Float32Array => queries.subarray(i * dim, (i + 1) * dim);

    await library.useAdapter(adapter.id);
    expect(library.space.index.complete).toBe(false);
    for (let i = 0; i < 10; i++) {
      const result = await searcher.nearest(query(i), 10, null);
      expect(result.exact).toBe(true);
      expect(result.hits.map((h) => h.id)).toEqual(truth(projected, query(i), 10));
    }

    await library.space.index.whenComplete();
    expect(library.space.index.complete).toBe(true);
    let found = 0;
    for (let i = 0; i < 10; i++) {
      const result = await searcher.nearest(query(i), 10, null);
      expect(result.exact).toBe(false);
      const want = new Set(truth(projected, query(i), 10));
      found += result.hits.filter((h) => want.has(h.id)).length;
    }
    expect(found / 100).toBeGreaterThanOrEqual(0.9);
    library.close();
  }, 120_000);

  it('opens a library whose index file is gone at once, and a close mid-build leaves none behind', async () => {
    const { dbPath } = syntheticLibrary(tempDir(), N, model);
    let library = Library.open({ dbPath, model });
    await library.index.whenComplete();
    const file = join(library.dataDir, 'index', `model-${library.modelId}.hnsw`);
    library.close();
    expect(existsSync(file)).toBe(true);
    rmSync(file);

    library = Library.open({ dbPath, model });
    expect(library.repair).toMatchObject({ action: 'rebuilt', count: N });
    expect(library.index.complete).toBe(false);
    const query = syntheticVectors(1, model.embedDim, 7);
    const result = await new Searcher(library, 0).nearest(query, 10, null);
    expect(result.exact).toBe(true);
    expect(result.hits.map((h) => h.id)).toEqual(truth(storedVectors(library), query, 10));
    library.close();
    expect(existsSync(file)).toBe(false);

    library = Library.open({ dbPath, model });
    expect(library.repair.action).toBe('rebuilt');
    await library.index.whenComplete();
    library.close();
    library = Library.open({ dbPath, model });
    expect(library.repair.action).toBe('loaded');
    library.close();
  }, 120_000);
});
