// Clustering projected positions: points in one cell make one cluster at their mean, biggest first;
// points that could not be projected are left out. Expected values worked out by hand.

import { describe, expect, it } from 'vitest';
import { clusterPoints } from '../../../renderer/src/lib/map-clusters.js';

describe('clusterPoints', () => {
  it('puts points in the same cell together at their mean, the biggest cluster first', () => {
    const clusters = clusterPoints(
      [
        { x: 10, y: 10, index: 0 },
        { x: 30, y: 20, index: 1 },
        { x: 100, y: 10, index: 2 },
        { x: 20, y: 30, index: 3 },
        { x: Number.NaN, y: 5, index: 4 },
      ],
      40,
    );
    expect(clusters).toEqual([
      { key: '0,0', x: 20, y: 20, indices: [0, 1, 3] },
      { key: '2,0', x: 100, y: 10, indices: [2] },
    ]);
  });
});
