// The hand-encoded MatMul and Gemm graphs load in onnxruntime and gives the same dot products as plain loops.

import { describe, expect, it } from 'vitest';
import { similarityMatrix } from '../../../electron/core/math/onnx-matmul.js';
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
