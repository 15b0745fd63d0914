// The HNSW index against exact search: recall, filters inside the search, growth without rebuild,
// and every way its file can disagree with the database.

import { existsSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VectorIndex, type VectorSource } from '../../../electron/core/library/vector-index.js';
import { Random } from '../../../electron/core/random.js';
import { tempDir } from '../../support/temp.js';

const DIM = 32;

function unit(rng: Random): Float32Array {
  const v = Float32Array.from({ length: DIM }, () => rng.normal());
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** A space held in a Map, read in chunks by id as the database reads it (`reads`: each chunk's start). */
function source(vectors: Map<number, Float32Array>, counter: number, reads: number[] = []): VectorSource {
  return {
    dim: DIM,
    counter,
    ids: () => [...vectors.keys()],
    vectors: (ids) =>
      new Map(ids.filter((id) => vectors.has(id)).map((id) => [id, vectors.get(id) as Float32Array])),
    after: (id, limit) => {
      reads.push(id);
      return [...vectors.keys()]
        .filter((k) => k > id)
        .sort((a, b) => a - b)
        .slice(0, limit)
        .map((k) => [k, new Uint8Array((vectors.get(k) as Float32Array).buffer)]);
    },
  };
}

function exactTop(
  vectors: Map<number, Float32Array>,
  q: Float32Array,
  k: number,
  allow: (id: number) => boolean = () => true,
): number[] {
  return [...vectors.entries()]
    .filter(([id]) => allow(id))
    .map(([id, v]) => ({ id, s: v.reduce((a, x, i) => a + x * (q[i] as number), 0) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.id);
}

describe('VectorIndex', () => {
  const rng = new Random(3);
  const vectors = new Map(Array.from({ length: 3000 }, (_, i) => [i + 1, unit(rng)] as const));
  const dir = tempDir();

  it('builds from the source in the background, finds what exact search finds, and reloads without work', async () => {
    const file = join(dir, 'a.hnsw');
    const { index, report } = VectorIndex.open(file, source(vectors, 7));
    expect(report).toEqual({ action: 'rebuilt', count: 3000, reason: 'no index file' });
    // Open returns at once: every vector is there for exact search, the graph still building.
    expect(index.complete).toBe(false);
    expect(index.size).toBe(3000);
    expect(index.rows().size).toBe(3000);
    expect(existsSync(file)).toBe(false);
    await index.whenComplete();
    expect(index.complete).toBe(true);
    expect(existsSync(file)).toBe(true);
    let recall = 0;
    for (let q = 0; q < 20; q++) {
      const query = unit(rng);
      const got = new Set(index.search(query, 10).map((h) => h.id));
      recall += exactTop(vectors, query, 10).filter((id) => got.has(id)).length / 10;
    }
    expect(recall / 20).toBeGreaterThanOrEqual(0.98);
    expect(VectorIndex.open(file, source(vectors, 7)).report).toEqual({ action: 'loaded', count: 3000 });
  });

  it('returns k results under a selective filter when k match', () => {
    const { index } = VectorIndex.open(join(dir, 'a.hnsw'), source(vectors, 7));
    const allow = (id: number): boolean => id % 97 === 0; // 30 of 3000
    const hits = index.search(unit(rng), 10, allow);
    expect(hits).toHaveLength(10);
    expect(hits.every((h) => allow(h.id))).toBe(true);
  });

  it('grows past its capacity without a rebuild and forgets removed ids', () => {
    const file = join(dir, 'b.hnsw');
    const small = new Map([...vectors].slice(0, 10));
    const { index } = VectorIndex.open(file, source(small, 1));
    for (const [id, v] of [...vectors].slice(10, 2500)) index.add(id, v);
    expect(index.size).toBe(2500);
    index.remove(5);
    const target = vectors.get(6) as Float32Array;
    expect(index.search(target, 1)[0]?.id).toBe(6);
    expect(index.search(vectors.get(5) as Float32Array, 5).map((h) => h.id)).not.toContain(5);
  });

  it('patches a stale file: adds what is missing, drops what was deleted', async () => {
    const file = join(dir, 'c.hnsw');
    const first = new Map([...vectors].slice(0, 1000));
    await VectorIndex.open(file, source(first, 1)).index.whenComplete();
    const now = new Map([...vectors].slice(100, 1200)); // 100 deleted, 200 added since the save
    const { index, report } = VectorIndex.open(file, source(now, 2));
    expect(report).toMatchObject({ action: 'patched', added: 200, removed: 100, count: 1100 });
    expect(index.has(50)).toBe(false);
    expect(index.has(1150)).toBe(true);
    expect(index.search(vectors.get(1150) as Float32Array, 1)[0]?.id).toBe(1150);
  });

  it('adds many missing vectors in the background, searching exactly meanwhile', async () => {
    const file = join(dir, 'h.hnsw');
    await VectorIndex.open(file, source(new Map([...vectors].slice(0, 400)), 1)).index.whenComplete();
    const { index, report } = VectorIndex.open(file, source(vectors, 2)); // 2600 added since the save
    expect(report).toMatchObject({ action: 'patched', added: 2600, removed: 0, count: 3000 });
    expect(index.complete).toBe(false);
    expect(index.rows().size).toBe(3000);
    await index.whenComplete();
    expect(index.search(vectors.get(2999) as Float32Array, 1)[0]?.id).toBe(2999);
    expect(VectorIndex.open(file, source(vectors, 2)).report).toEqual({ action: 'loaded', count: 3000 });
  });

  it('writes its file again only when the graph or the counter changed', async () => {
    const file = join(dir, 'saved.hnsw');
    const set = new Map([...vectors].slice(0, 300));
    const first = VectorIndex.open(file, source(set, 4)).index;
    await first.whenComplete();
    // Whether save() wrote the file (after `change`): its time is set back to 1970 first, and a write
    // makes it now.
    const writes = (target: VectorIndex, counter: number, change?: () => void): boolean => {
      utimesSync(file, 0, 0);
      change?.();
      target.save(counter);
      return statSync(file).mtimeMs > 0;
    };
    expect(writes(first, 4)).toBe(false); // what closing the library does
    const { index, report } = VectorIndex.open(file, source(set, 4));
    expect(report.action).toBe('loaded');
    expect(writes(index, 4)).toBe(false);
    expect(writes(index, 5)).toBe(true); // the database moved on: the sidecar must say so
    expect(writes(index, 5)).toBe(false);
    expect(
      writes(index, 5, () => {
        index.remove(17);
      }),
    ).toBe(true);
    expect(
      writes(index, 5, () => {
        index.add(17, set.get(17) as Float32Array);
      }),
    ).toBe(true);
    expect(VectorIndex.open(file, source(set, 5)).report).toEqual({ action: 'loaded', count: 300 });
  });

  it('brings back an id the file marked deleted but the database still has', async () => {
    const file = join(dir, 'd.hnsw');
    const set = new Map([...vectors].slice(0, 500));
    const { index } = VectorIndex.open(file, source(set, 1));
    await index.whenComplete();
    index.remove(42);
    index.save(2); // the file now has 42 deleted, at counter 2
    const { index: again } = VectorIndex.open(file, source(set, 3)); // ...but the database still holds 42
    expect(again.has(42)).toBe(true);
    expect(again.search(vectors.get(42) as Float32Array, 1)[0]?.id).toBe(42);
  });

  it('rebuilds an unreadable file, a missing sidecar or other parameters', async () => {
    const file = join(dir, 'e.hnsw');
    const set = new Map([...vectors].slice(0, 300));
    await VectorIndex.open(file, source(set, 1)).index.whenComplete();
    writeFileSync(file, 'garbage');
    const garbage = VectorIndex.open(file, source(set, 1));
    expect(garbage.report).toMatchObject({
      action: 'rebuilt',
      reason: expect.stringMatching(/could not be read/) as string,
    });
    // Each rebuild saves when its graph is done (at once for 300 vectors, later on a busy machine).
    await garbage.index.whenComplete();
    writeFileSync(`${file}.json`, '{');
    const noSidecar = VectorIndex.open(file, source(set, 1));
    expect(noSidecar.report).toMatchObject({
      action: 'rebuilt',
      reason: expect.stringMatching(/sidecar/) as string,
    });
    await noSidecar.index.whenComplete();
    expect(
      VectorIndex.open(file, source(set, 1), { m: 8, efConstruction: 50, efSearch: 50 }).report,
    ).toMatchObject({ action: 'rebuilt', reason: 'it was built with other parameters' });
  });

  it('takes adds and removes while the graph builds, and a stopped build leaves no file behind', async () => {
    const file = join(dir, 'f.hnsw');
    const first = new Map([...vectors].slice(0, 2000));
    const progress: number[] = [];
    const { index } = VectorIndex.open(file, source(first, 1), undefined, (done) => progress.push(done));
    expect(index.complete).toBe(false);
    index.remove(1999); // not yet in the graph: skipped when its turn comes
    index.remove(1); // already in it
    const late = vectors.get(2500) as Float32Array;
    index.add(2500, late);
    index.save(5); // refused while building: the file would lack vectors
    expect(existsSync(file)).toBe(false);
    await index.whenComplete();
    expect(progress.at(-1)).toBe(2000);
    expect(progress.length).toBeGreaterThan(1);
    expect(index.size).toBe(1999);
    expect(index.search(late, 1)[0]?.id).toBe(2500);
    for (const gone of [1, 1999])
      expect(index.search(vectors.get(gone) as Float32Array, 5).map((h) => h.id)).not.toContain(gone);
    expect(existsSync(file)).toBe(true);

    const other = join(dir, 'g.hnsw');
    const stopped = VectorIndex.open(other, source(first, 1)).index;
    stopped.stopBuilding();
    await stopped.whenComplete();
    stopped.save(1);
    expect(existsSync(other)).toBe(false);
    expect(VectorIndex.open(other, source(first, 1)).report).toMatchObject({ action: 'rebuilt' });
  });
  describe('its matrix read ahead', () => {
    const n = 40_000;
    const params = { m: 8, efConstruction: 20, efSearch: 50 };
    /** A saved index over n vectors, and a way to open it again with a fresh (unread) matrix. */
    const saved = async (): Promise<{
      vectors: Map<number, Float32Array>;
      reopen: () => { index: VectorIndex; reads: number[] };
    }> => {
      const rng = new Random(11);
      const vectors = new Map(Array.from({ length: n }, (_, i) => [i + 1, unit(rng)] as const));
      const file = join(tempDir(), 'p.hnsw');
      await VectorIndex.open(file, source(vectors, 1), params).index.whenComplete();
      return {
        vectors,
        reopen: () => {
          const reads: number[] = [];
          const { index, report } = VectorIndex.open(file, source(vectors, 1, reads), params);
          expect(report.action).toBe('loaded');
          return { index, reads };
        },
      };
    };
    const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

    it('reads a chunk a turn, and keeps up with photos added, removed and replaced meanwhile', async () => {
      const { vectors, reopen } = await saved();
      const { index, reads } = reopen();
      // The first chunk is read at once, the next on a later turn of the event loop.
      const loading = index.preloadRows();
      expect(reads).toEqual([0]);
      // Indexing goes on between chunks: the database changes first, then the index.
      const rng = new Random(12);
      const change = (id: number, v: Float32Array | null): void => {
        if (v) {
          vectors.set(id, v);
          index.add(id, v);
        } else {
          vectors.delete(id);
          index.remove(id);
        }
      };
      change(50_000, unit(rng)); // new, past every chunk
      change(5, null); // in the chunk read
      change(30_000, null); // in a chunk not read yet
      change(7, unit(rng)); // replaced, read
      change(20_000, unit(rng)); // replaced, not read yet
      await loading;
      // Chunks of 16,384 by id; the second ends one further on, 30,000 being gone.
      expect(reads).toEqual([0, 16_384, 32_769]);
      const rows = index.rows();
      expect(reads).toHaveLength(3);
      expect(rows.size).toBe(vectors.size);
      for (const [id, v] of vectors) expect(rows.vector(id), `photo ${id}`).toEqual(v);
      expect(rows.has(5) || rows.has(30_000)).toBe(false);
    }, 60_000);

    it('is finished at once by a search that needs it, and dropped when stopped', async () => {
      const { vectors, reopen } = await saved();
      const first = reopen();
      const loading = first.index.preloadRows();
      await turn();
      expect(first.reads.length).toBeLessThan(3);
      const rows = first.index.rows();
      expect(rows.size).toBe(n);
      await loading;
      expect(first.reads).toEqual([0, 16_384, 32_768]);
      expect(first.index.rows()).toBe(rows);

      const second = reopen();
      let stopped = false;
      const stopping = second.index.preloadRows(() => stopped);
      stopped = true;
      await stopping;
      expect(second.reads).toEqual([0]);
      // Read again from the start when needed: nothing half-read is used.
      expect(second.index.rows().size).toBe(vectors.size);
      expect(second.reads).toEqual([0, 0, 16_384, 32_768]);
    }, 60_000);
  });
});
