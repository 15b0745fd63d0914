// The engine's idle self-check of search: after searches stop for a while it re-runs the recent graph
// queries and keeps what it measured; a search meanwhile pushes the check back; closing the engine
// cancels one that has not started. Each quiet turn builds the filter columns first, when they are out
// of date, and reads the vectors into memory, so a first filtered search does not wait for them.

import { describe, expect, it } from 'vitest';
import { syntheticLibrary, syntheticQueries } from '../../bench/support/synthetic-library.js';
import { ClipModel } from '../../electron/core/clip/clip-model.js';
import { Library } from '../../electron/core/library/library.js';
import { filterColumns } from '../../electron/core/library/filter-columns.js';
import { Searcher } from '../../electron/core/library/search.js';
import type { SearchHealth } from '../../electron/core/library/search-check.js';
import { SearchChecker } from '../../electron/engine/search-checker.js';
import { TEST_MODEL_DIR } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const model = ClipModel.open(TEST_MODEL_DIR);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SearchChecker', () => {
  it('checks once searches have stopped for its idle time, and not before', async () => {
    const n = 2000;
    const synthetic = syntheticLibrary(tempDir(), n, model);
    const library = Library.open({ dbPath: synthetic.dbPath, model });
    // A new library's index is built in the background; the checks are of the graph.
    await library.index.whenComplete();
    const searcher = new Searcher(library, 0); // the graph path, as above EXACT_LIMIT
    const checked: SearchHealth[] = [];
    const checker = new SearchChecker(searcher, 300, (h) => checked.push(h));
    const dim = model.embedDim;
    const { random } = syntheticQueries(n, dim, n, 12);
    for (let i = 0; i < 12; i++) {
      await searcher.nearest(random.subarray(i * dim, (i + 1) * dim), 20, null);
      checker.searched();
      await sleep(50); // searching: the wait keeps starting over
    }
    expect(checked).toHaveLength(0);
    await sleep(600);
    expect(checked).toHaveLength(1);
    expect(checked[0]).toMatchObject({ queries: 12 });
    expect(checked[0]?.recall).toBeGreaterThan(0);
    expect(library.searchHealth).toEqual(checked[0]);
    // Closed before its time comes: no check.
    for (let i = 0; i < 12; i++) await searcher.nearest(random.subarray(i * dim, (i + 1) * dim), 20, null);
    checker.searched();
    await checker.close();
    await sleep(400);
    expect(checked).toHaveLength(1);
    library.close();
  });

  it('builds the filter columns once quiet, after opening and again after the photos change', async () => {
    const synthetic = syntheticLibrary(tempDir(), 500, model);
    const library = Library.open({ dbPath: synthetic.dbPath, model });
    const searcher = new Searcher(library, 0); // columns from any size, as a large library has them
    const checker = new SearchChecker(searcher, 200);
    const built = (): number | undefined => filterColumns(library.db, 0)?.builtAt;
    checker.soon(); // the library has just opened
    await sleep(50);
    const before = Date.now();
    await sleep(500);
    // Built while quiet: asking now finds them, made before this test asked.
    const first = built();
    expect(first).toBeGreaterThanOrEqual(before);
    expect(first).toBeLessThan(Date.now() - 50);
    // A photo changes; the columns are built again on the next quiet turn, however soon after the last
    // build (searching waits REBUILD_MS between builds; a quiet turn does not).
    library.db.prepare("UPDATE photos SET camera = 'Changed' WHERE id = 1").run();
    expect(filterColumns(library.db, first as number)).toBeNull(); // out of date, too soon for a search
    checker.soon();
    await sleep(500);
    await checker.close();
    const rebuilt = filterColumns(library.db, 0);
    expect(rebuilt?.builtAt).toBeGreaterThan(first as number);
    expect(rebuilt?.allowed({ camera: 'changed' }).size).toBe(1);
    library.close();
  });
  it('reads the vectors into memory once quiet, before the first exact search needs them', async () => {
    const synthetic = syntheticLibrary(tempDir(), 500, model);
    let library = Library.open({ dbPath: synthetic.dbPath, model });
    await library.space.index.whenComplete();
    library.close();
    // Opened again, the graph comes from its file and the vectors are not read until needed.
    library = Library.open({ dbPath: synthetic.dbPath, model });
    expect(library.space.index.rowsInMemory).toBe(false);
    const checker = new SearchChecker(new Searcher(library), 100);
    checker.soon();
    await sleep(50);
    expect(library.space.index.rowsInMemory).toBe(false);
    await sleep(400);
    expect(library.space.index.rowsInMemory).toBe(true);
    await checker.close();
    library.close();
  });
  it('says when a turn fails, and runs the next one as usual', async () => {
    const synthetic = syntheticLibrary(tempDir(), 500, model);
    const library = Library.open({ dbPath: synthetic.dbPath, model });
    const searcher = new Searcher(library, 0);
    let turns = 0;
    // A searcher whose database went away under it on the first turn.
    searcher.prepare = (): Promise<void> =>
      ++turns === 1 ? Promise.reject(new Error('The database connection is not open')) : Promise.resolve();
    const failures: string[] = [];
    const checker = new SearchChecker(searcher, 50, undefined, (message) => failures.push(message));
    checker.soon();
    await sleep(200);
    expect(failures).toEqual(['The database connection is not open']);
    checker.soon();
    await sleep(200);
    expect(turns).toBe(2);
    expect(failures).toHaveLength(1);
    await checker.close();
    library.close();
  });
});
