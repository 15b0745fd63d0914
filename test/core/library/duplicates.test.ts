// Which photo of a duplicate group to keep, as a person would choose: more pixels first, then the
// larger file, then a name that does not say "copy", then the older one. Each case is built so that
// exactly one rule decides it.

import { describe, expect, it } from 'vitest';
import { keepBest, type DuplicatePhoto } from '../../../electron/core/library/duplicates.js';

const photo = (id: number, over: Partial<DuplicatePhoto> = {}): DuplicatePhoto => ({
  id,
  path: `/p/IMG_${id}.jpg`,
  width: 4000,
  height: 3000,
  bytes: 2_000_000,
  takenAt: 1_700_000_000_000,
  format: 'jpeg',
  ...over,
});

describe('keepBest', () => {
  it('keeps the photo with the most pixels, even when its file is smaller', () => {
    expect(
      keepBest([photo(1, { width: 1600, height: 1200, bytes: 3_000_000 }), photo(2, { bytes: 900_000 })]),
    ).toBe(2);
  });

  it('at equal pixels keeps the larger file (less compressed)', () => {
    expect(keepBest([photo(1, { bytes: 1_200_000 }), photo(2, { bytes: 2_400_000 }), photo(3)])).toBe(2);
  });

  it('at equal pixels and bytes passes over names that say they are copies', () => {
    for (const copy of [
      '/p/IMG_1 (2).jpg',
      '/p/IMG_1 copy.jpg',
      '/p/IMG_1 copy 3.jpg',
      '/p/Copy of IMG_1.jpg',
    ])
      expect(keepBest([photo(1, { path: copy, takenAt: 0 }), photo(2, { path: '/p/IMG_1.jpg' })]), copy).toBe(
        2,
      );
  });

  it('then keeps the older one, the original', () => {
    expect(keepBest([photo(1, { takenAt: 2000 }), photo(2, { takenAt: 1000 })])).toBe(2);
  });

  it('does not take a date in a name for a copy', () => {
    expect(
      keepBest([
        photo(1, { path: '/p/2024-05-01.jpg', takenAt: 1000 }),
        photo(2, { path: '/p/x.jpg', takenAt: 2000 }),
      ]),
    ).toBe(1);
  });
});
