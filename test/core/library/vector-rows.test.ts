// The in-memory matrix behind exact search: its scores are the plain dot products, rows are replaced
// and removed (a hole filled by the last row) without losing track of whose row is whose, and the
// index's matrix, read on first use, follows every later add and remove.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdSet, type IdLookup } from '../../../electron/core/library/id-set.js';
import { VectorIndex } from '../../../electron/core/library/vector-index.js';
import { VectorRows } from '../../../electron/core/library/vector-rows.js';
import { Random } from '../../../electron/core/random.js';
import { tempDir } from '../../support/temp.js';

const DIM = 16;

function unit(rng: Random): Float32Array {
  const v = Float32Array.from({ length: DIM }, () => rng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

/** id -> score as the rows report them. */
async function scoresById(rows: VectorRows, q: Float32Array): Promise<Map<number, number>> {
  const { ids, scores } = await rows.scores(q);
  return new Map(Array.from(ids, (id, r) => [id, scores[r] as number]));
}

describe('VectorRows', () => {
  const rng = new Random(11);

  it('scores every row as its dot product with the query, through growth, replacement and removal', async () => {
    const vectors = new Map(Array.from({ length: 300 }, (_, i) => [i + 1, unit(rng)] as const));
    const rows = new VectorRows(DIM, 4); // grows many times
    for (const [id, v] of vectors) rows.set(id, v);
    // Replace one, remove some from the middle, the start and the end.
    vectors.set(7, unit(rng));
    rows.set(7, vectors.get(7) as Float32Array);
    for (const id of [1, 150, 151, 300, 42]) {
      rows.delete(id);
      vectors.delete(id);
    }
    rows.delete(9999); // absent: nothing happens
    expect(rows.size).toBe(vectors.size);
    const q = unit(rng);
    const got = await scoresById(rows, q);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual([...vectors.keys()].sort((a, b) => a - b));
    for (const [id, v] of vectors) expect(got.get(id)).toBeCloseTo(dot(v, q), 5);
  });

  it("holds back changes while a product reads the rows, so each score is its photo's", async () => {
    const rows = new VectorRows(DIM);
    const a = unit(rng);
    const b = unit(rng);
    const c = unit(rng);
    rows.set(1, a);
    rows.set(2, b);
    const q = unit(rng);
    const reading = rows.scores(q);
    // Indexing beside a search: row 1 removed (row 2 would move into its place), 3 added, 2 replaced.
    rows.delete(1);
    rows.set(3, c);
    rows.set(2, a);
    const { ids, scores } = await reading;
    expect(Array.from(ids)).toEqual([1, 2]);
    expect(scores[0]).toBeCloseTo(dot(a, q), 5);
    expect(scores[1]).toBeCloseTo(dot(b, q), 5);
    // Then the changes apply, in order.
    const after = await scoresById(rows, q);
    expect([...after.keys()].sort()).toEqual([2, 3]);
    expect(after.get(2)).toBeCloseTo(dot(a, q), 5);
    expect(after.get(3)).toBeCloseTo(dot(c, q), 5);
  });

  it('reads stored bytes as the vector they encode, and refuses a vector of the wrong length', () => {
    const rows = new VectorRows(DIM);
    const v = unit(rng);
    // An odd offset: SQLite's blobs are not always 4-byte aligned.
    const bytes = new Uint8Array(DIM * 4 + 1).subarray(1);
    bytes.set(new Uint8Array(v.buffer));
    rows.setBytes(5, bytes);
    expect(rows.has(5)).toBe(true);
    expect(() => {
      rows.set(6, new Float32Array(DIM + 1));
    }).toThrow(/dimensions/);
    expect(() => {
      rows.setBytes(6, new Uint8Array(DIM * 4 - 4));
    }).toThrow(/dimensions/);
    for (const id of [-1, 1.5, Number.NaN])
      expect(() => {
        rows.set(id, v);
      }).toThrow(/not a photo id/);
    expect(rows.size).toBe(1);
    expect(rows.has(-1)).toBe(false);
  });

  it('scores only the rows a filter keeps, whether they lie together or scattered, two searches at once', async () => {
    // 45,000 rows: three blocks of scoresWhere's 16,384. Kept: a run of 20,000 (blocks scored where they
    // lie) and every third photo elsewhere (gathered, more than one run's worth). Filters as bitmaps
    // (what search passes) and as any lookup.
    const n = 45_000;
    const rows = new VectorRows(DIM);
    const vectors: Float32Array[] = [];
    for (let id = 1; id <= n; id++) {
      const v = unit(rng);
      vectors.push(v);
      rows.set(id, v);
    }
    rows.delete(17); // a hole filled by the last row: ids and rows no longer in step
    const inRun = (id: number): boolean => id > 5000 && id <= 25_000;
    const lookups = [
      { has: (id: number) => inRun(id) || id % 3 === 0 },
      { has: (id: number) => id % 3 === 0 },
      { has: (id: number) => id === 44_999 },
      { has: () => false },
    ];
    const ids = (keep: IdLookup): IdSet =>
      new IdSet(Array.from({ length: n + 10 }, (_, i) => i).filter((id) => keep.has(id)));
    const filters: IdLookup[] = [...lookups, ...lookups.map(ids)];
    const q = unit(rng);
    const all = await scoresById(rows, q);
    const results = await Promise.all(filters.map((keep) => rows.scoresWhere(q, keep)));
    results.forEach(({ ids, scores }, f) => {
      const keep = filters[f] as IdLookup;
      const want = [...all.keys()].filter((id) => keep.has(id)).sort((a, b) => a - b);
      expect([...ids].sort((a, b) => a - b)).toEqual(want);
      ids.forEach((id, r) => {
        expect(scores[r]).toBeCloseTo(all.get(id) as number, 5);
      });
    });
    expect(results[0]?.ids.length).toBeGreaterThan(16_384 + 10_000);
    expect(results[4]?.ids.length).toBe(results[0]?.ids.length);
  });

  it("the index's matrix is read on first use and follows later adds and removes", async () => {
    const vectors = new Map(Array.from({ length: 500 }, (_, i) => [i + 1, unit(rng)] as const));
    const { index } = VectorIndex.open(join(tempDir(), 'm.hnsw'), {
      dim: DIM,
      counter: 1,
      ids: () => [...vectors.keys()],
      vectors: (ids) => new Map(ids.map((id) => [id, vectors.get(id) as Float32Array])),
      after: (id, limit) =>
        [...vectors]
          .filter(([k]) => k > id)
          .slice(0, limit)
          .map(([k, v]) => [k, new Uint8Array(v.buffer)] as [number, Uint8Array]),
    });
    const rows = index.rows();
    expect(rows.size).toBe(500);
    const added = unit(rng);
    index.add(1000, added);
    index.remove(3);
    const replaced = unit(rng);
    index.add(4, replaced);
    expect(index.rows()).toBe(rows);
    const q = unit(rng);
    const got = await scoresById(rows, q);
    expect(got.size).toBe(500);
    expect(got.has(3)).toBe(false);
    expect(got.get(1000)).toBeCloseTo(dot(added, q), 5);
    expect(got.get(4)).toBeCloseTo(dot(replaced, q), 5);
  });
});
