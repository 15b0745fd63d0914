// The hand-encoded MatMul, Gemm and gather graphs load in onnxruntime and give the same dot products as
// plain loops.

import { describe, expect, it } from 'vitest';
import { similarityMatrix, similarityOfRows } from '../../../electron/core/math/onnx-matmul.js';
import { Random } from '../../../electron/core/random.js';

describe('similarityMatrix', () => {
  it('equals the dot products of every row with every query', async () => {
    const random = new Random(7);
    const rand = (): number => random.next();
    const n = 300;
    const d = 24;
    const rows = Float32Array.from({ length: n * d }, () => rand() * 2 - 1);
    const queries = Array.from({ length: 5 }, () => Float32Array.from({ length: d }, () => rand() * 2 - 1));
    const scores = await similarityMatrix(rows, n, queries);
    expect(scores.length).toBe(n * 5);
    for (let i = 0; i < n; i++) {
      queries.forEach((q, j) => {
        let s = 0;
        for (let k = 0; k < d; k++) s += (rows[i * d + k] as number) * (q[k] as number);
        expect(scores[j * n + i]).toBeCloseTo(s, 4);
      });
    }
  });

  it('handles empty inputs and refuses mismatched dimensions', async () => {
    expect(await similarityMatrix(new Float32Array(0), 0, [new Float32Array(4)])).toHaveLength(0);
    await expect(similarityMatrix(new Float32Array(8), 2, [new Float32Array(3)])).rejects.toThrow(
      /query 0 has 3 dimensions, rows have 4/,
    );
  });
});

describe('similarityOfRows', () => {
  it('scores the named rows in the order named, repeats included', async () => {
    const random = new Random(11);
    const n = 200;
    const d = 24;
    const rows = Float32Array.from({ length: n * d }, () => random.next() * 2 - 1);
    const query = Float32Array.from({ length: d }, () => random.next() * 2 - 1);
    const picked = Int32Array.from([199, 0, 57, 57, 3]);
    const scores = await similarityOfRows(rows, n, picked, query);
    expect(scores).toHaveLength(picked.length);
    picked.forEach((r, j) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += (rows[r * d + k] as number) * (query[k] as number);
      expect(scores[j]).toBeCloseTo(s, 4);
    });
  });

  it('reads no row past the n given, and refuses rows outside them', async () => {
    // The matrix's buffer is larger than its rows (spare capacity): row 3 exists in memory, not in the
    // matrix.
    const rows = new Float32Array(4 * 2).fill(1);
    await expect(similarityOfRows(rows, 3, Int32Array.from([3]), new Float32Array(2))).rejects.toThrow(
      /row 3 is outside the 3 rows/,
    );
    await expect(similarityOfRows(rows, 3, Int32Array.from([-1]), new Float32Array(2))).rejects.toThrow(
      /outside/,
    );
    await expect(similarityOfRows(rows, 5, Int32Array.from([0]), new Float32Array(2))).rejects.toThrow(
      /fewer than 5 x 2/,
    );
    expect(await similarityOfRows(rows, 3, new Int32Array(0), new Float32Array(2))).toHaveLength(0);
  });
});
