// Search that checks itself, on a real library whose graph is built too sparse to find the nearest
// photos well (synthetic clustered embeddings, M=4): recent graph queries are re-run exactly, the
// measured recall is kept in the library, and ef is raised until the graph reaches the target (or the
// exact path takes over), after which search finds what exact scoring finds. Also: the decision rule on
// a space whose recall is known, and a library too small for the graph never records its queries.

import { describe, expect, it } from 'vitest';
import { syntheticLibrary, syntheticQueries } from '../../../bench/support/synthetic-library.js';
import { ClipModel } from '../../../electron/core/clip/clip-model.js';
import { Library } from '../../../electron/core/library/library.js';
import {
  checkSearch,
  MAX_EF,
  nextEf,
  readSearchHealth,
  TARGET_RECALL,
  type CheckedSpace,
} from '../../../electron/core/library/search-check.js';
import { Searcher } from '../../../electron/core/library/search.js';
import { TEST_MODEL_DIR } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);

describe('checkSearch', () => {
  /** A clock that only the spaces below move. */
  let clock = 0;
  const now = (): number => clock;
  /**
   * A space whose graph finds `found(ef)` of each query's true 10 and takes ef / 400 ms (a million
   * photos: ~ef / 180), where scoring every photo takes `exactMs`.
   */
  const space = (found: (ef: number) => number, exactMs = 1e9): CheckedSpace => ({
    exact: (_q, k) => {
      clock += exactMs;
      return Promise.resolve(Array.from({ length: k }, (_, i) => i));
    },
    graph: (_q, k, ef) => {
      clock += ef / 400;
      return Array.from({ length: k }, (_, i) => (i < found(ef) ? i : 1000 + i));
    },
  });
  const check = (s: CheckedSpace, start: number): ReturnType<typeof checkSearch> =>
    checkSearch(s, queries, start, now);
  const queries = Array.from({ length: 12 }, () => new Float32Array(4));

  it('keeps the graph and its ef when recall is on target', async () => {
    expect(
      await check(
        space(() => 10),
        400,
      ),
    ).toMatchObject({
      path: 'graph',
      ef: 400,
      recall: 1,
      queries: 12,
    });
  });

  it('raises ef a step at a time until the target is reached: doubling to 800, then by a half or a third', async () => {
    const tried: number[] = [];
    const h = await check(
      space((ef) => {
        tried.push(ef);
        return ef >= 3200 ? 10 : 9;
      }),
      200,
    );
    expect(h).toMatchObject({ path: 'graph', ef: 3200, recall: 1 });
    expect([...new Set(tried)]).toEqual([200, 400, 800, 1200, 1600, 2400, 3200]);
    // From the default, a library that needs a little more gets the next step, not twice the cost.
    expect(
      await check(
        space((ef) => (ef > 2400 ? 10 : 9)),
        2400,
      ),
    ).toMatchObject({ path: 'graph', ef: 3200 });
    expect(nextEf(12_800)).toBe(MAX_EF);
    expect(nextEf(1000)).toBe(1200);
  });

  it('stops raising ef where the graph would cost as much as scoring every photo, and goes exact', async () => {
    // ef 1200 takes 3 ms: 1600 (4 ms) would cost more than exact's 3.5 ms.
    const h = await check(
      space((ef) => (ef >= 3200 ? 10 : 9), 3.5),
      400,
    );
    expect(h).toMatchObject({ path: 'exact', ef: 1200, recall: 0.9 });
  });

  it('sends queries to the exact path when even the largest ef falls short', async () => {
    const h = await check(
      space(() => 9),
      400,
    );
    expect(h).toMatchObject({ path: 'exact', ef: MAX_EF, recall: 0.9 });
  });
});

describe('a library whose graph misses', () => {
  it('measures its recall on recent queries, raises ef or goes exact, and keeps it', async () => {
    const n = 4000;
    const dir = tempDir();
    const synthetic = syntheticLibrary(dir, n, model);
    const params = { m: 4, efConstruction: 16, efSearch: 16 };
    let library = Library.open({ dbPath: synthetic.dbPath, model, indexParams: params });
    // Rebuilt with these parameters, in the background: the graph path needs the whole graph.
    await library.index.whenComplete();
    // The graph path, as a library above EXACT_LIMIT takes it.
    let searcher = new Searcher(library, 0);
    const dim = model.embedDim;
    const { random } = syntheticQueries(n, dim, n, 20);
    const query = (i: number): Float32Array => random.subarray(i * dim, (i + 1) * dim);
    const exact = new Searcher(library, Infinity);
    const recallOf = async (s: Searcher): Promise<number> => {
      let found = 0;
      for (let i = 0; i < 20; i++) {
        const truth = new Set((await exact.nearest(query(i), 10, null)).hits.map((h) => h.id));
        found += (await s.nearest(query(i), 10, null)).hits.filter((h) => truth.has(h.id)).length;
      }
      return found / 200;
    };
    const before = await recallOf(searcher);
    expect(before).toBeLessThan(TARGET_RECALL);
    expect(readSearchHealth(library.db).recall).toBeNull();
    const health = await searcher.checkItself();
    expect(health).not.toBeNull();
    expect(health?.queries).toBe(20);
    // It raised ef, or went exact (at 4,000 photos scoring every one costs about what the graph does).
    expect(health?.path === 'exact' || (health?.ef ?? 0) > 16).toBe(true);
    expect(library.searchHealth).toEqual(health);
    expect(await recallOf(searcher)).toBeGreaterThanOrEqual(TARGET_RECALL);
    // Kept in the library: reopened, search starts from what was measured.
    library.close();
    library = Library.open({ dbPath: synthetic.dbPath, model, indexParams: params });
    expect(library.searchHealth).toEqual(health);
    searcher = new Searcher(library, 0);
    expect(await recallOf(searcher)).toBeGreaterThanOrEqual(TARGET_RECALL);
    // Each check takes the queries it re-ran: right after one, too few have come to check again.
    expect(await searcher.checkItself()).not.toBeNull();
    expect(await searcher.checkItself()).toBeNull();
    library.close();
  }, 120_000);

  it('a library searched exactly keeps no queries for a check', async () => {
    const dir = tempDir();
    const synthetic = syntheticLibrary(dir, 500, model);
    const library = Library.open({ dbPath: synthetic.dbPath, model });
    const searcher = new Searcher(library);
    const { random } = syntheticQueries(500, model.embedDim, 500, 12);
    for (let i = 0; i < 12; i++)
      await searcher.nearest(random.subarray(i * model.embedDim, (i + 1) * model.embedDim), 10, null);
    expect(library.recentQueries.size).toBe(0);
    expect(await searcher.checkItself()).toBeNull();
    library.close();
  });
});
