// float16 conversion: known bit patterns, and an exhaustive round trip over every half value.

import { describe, expect, it } from 'vitest';
import {
  float32ToHalf,
  fromHalfBits,
  halfToFloat32,
  toHalfBits,
} from '../../../electron/core/clip/float16.js';

describe('float16', () => {
  it('encodes known values to their IEEE 754 half bit patterns', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite half
      [65520, 0x7c00], // rounds up to infinity
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -26, 0x0000], // below half of it: zero
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [value, bits] of cases) expect(toHalfBits(value), String(value)).toBe(bits);
    expect(toHalfBits(NaN) & 0x7c00).toBe(0x7c00);
    expect(toHalfBits(NaN) & 0x03ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even', () => {
    // 1 + 2^-11 lies exactly between 1 (0x3c00) and the next half (0x3c01): ties go to the even 0x3c00.
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3 * 2^-11 lies between 0x3c01 and 0x3c02: ties go to the even 0x3c02.
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(toHalfBits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
  });

  it('round-trips every finite half value exactly', () => {
    for (let h = 0; h < 0x10000; h++) {
      const exp = (h >> 10) & 0x1f;
      if (exp === 0x1f) continue; // Inf/NaN
      expect(toHalfBits(fromHalfBits(h))).toBe(h);
    }
  });

  it('converts arrays both ways', () => {
    const src = new Float32Array([0.25, -1.5, 3.140625, 1000]);
    expect(Array.from(halfToFloat32(float32ToHalf(src)))).toEqual([0.25, -1.5, 3.140625, 1000]);
  });
});
