// The bitmap of photo ids behind every search filter: membership, sizing, and the row picking exact
// search does over a million rows at a time, checked against a plain Set.

import { describe, expect, it } from 'vitest';
import { IdSet } from '../../../electron/core/library/id-set.js';

describe('IdSet', () => {
  it('answers as a Set does, however it was sized, and grows past its capacity', () => {
    const ids = [0, 1, 7, 1023, 1024, 5000];
    for (const capacity of [1, 1024, 10_000]) {
      const set = new IdSet(ids, capacity);
      expect(set.size).toBe(ids.length);
      expect([...set]).toEqual(ids);
      for (const id of [-1, 2, 1022, 4999, 5001, 1e9]) expect(set.has(id)).toBe(false);
    }
    expect(() => new IdSet([1.5])).toThrow(/not a photo id/);
  });

  it('picks the positions whose id it holds, in a range, ids past its end included', () => {
    const set = new IdSet([2, 3, 9], 10);
    const ids = Int32Array.from([9, 4, 3, 50_000, 2, 2, 0, 9]);
    const out = new Int32Array(ids.length);
    const count = set.pick(ids, 1, 7, out);
    const want = [1, 2, 3, 4, 5, 6].filter((r) => set.has(ids[r] as number));
    expect([...out.subarray(0, count)]).toEqual(want);
    expect(want).toEqual([2, 4, 5]);
  });

  it('copies apart, deletes once, and keeps only what another set has', () => {
    const set = new IdSet([1, 2, 3]);
    const copy = set.copy();
    expect(set.delete(2)).toBe(true);
    expect(set.delete(2)).toBe(false);
    expect([...copy]).toEqual([1, 2, 3]);
    copy.keepOnly(new IdSet([3, 4]));
    expect([...copy]).toEqual([3]);
    expect(copy.size).toBe(1);
  });
});
