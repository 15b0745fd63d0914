// The grid's geometry: day groups, rows of whole columns, and which rows a scroll position shows.
// Expected values are worked out by hand from the widths and counts, not from the code.

import { describe, expect, it } from 'vitest';
import {
  columns,
  GAP,
  HEADER_HEIGHT,
  layoutGrid,
  rowOfItem,
  visibleRows,
  type GridItem,
} from '../../../renderer/src/lib/grid-layout.js';

const day = (d: number, hour = 12) => new Date(2025, 0, d, hour).getTime();

describe('grid layout', () => {
  it('fits whole columns near the target size, never fewer than two', () => {
    // 1000 px, 170 px target: 5 cells of 196.8 px + 4 gaps of 4 = 1000.
    expect(columns(1000, 170)).toEqual({ cols: 5, cell: (1000 - 4 * GAP) / 5 });
    expect(columns(100, 170).cols).toBe(2);
  });

  it('starts a header at each new day and wraps each day into rows', () => {
    const items: GridItem[] = [
      { id: 1, takenAt: day(3, 18) },
      { id: 2, takenAt: day(3, 9) },
      { id: 3, takenAt: day(3, 8) },
      { id: 4, takenAt: day(2) },
      { id: 5, takenAt: null },
    ];
    // 2 columns: day 3 -> header + 2 rows (2 + 1), day 2 -> header + 1 row, undated -> header + 1 row.
    const layout = layoutGrid(items, 404, 200, true);
    expect(layout.cols).toBe(2);
    expect(layout.rows.map((r) => (r.kind === 'header' ? `h${r.count}` : `${r.start}-${r.end}`))).toEqual([
      'h3',
      '0-2',
      '2-3',
      'h1',
      '3-4',
      'h1',
      '4-5',
    ]);
    const cell = 200;
    expect(layout.height).toBe(3 * HEADER_HEIGHT + 4 * (cell + GAP) - GAP);
    const last = layout.rows.at(-2);
    expect(last).toMatchObject({ kind: 'header', label: 'No date' });
  });

  it('lays search results out flat, in their order', () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, takenAt: day(1 + (i % 3)) }));
    const layout = layoutGrid(items, 404, 200, false);
    expect(layout.rows.map((r) => r.kind)).toEqual(['photos', 'photos', 'photos', 'photos']);
  });

  it('renders only the rows near the viewport, even for 100k photos', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({ id: i + 1, takenAt: day(1) - i * 60_000 }));
    const layout = layoutGrid(items, 1000, 170, true);
    const cell = (1000 - 4 * GAP) / 5;
    const y = 2_000_000;
    const rows = visibleRows(layout, y, 800, 0);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(Math.ceil(800 / (cell + GAP)) + 2);
    for (const r of rows) {
      expect(r.top + r.height).toBeGreaterThanOrEqual(y);
      expect(r.top).toBeLessThanOrEqual(y + 800);
    }
    // The rows just outside are not included.
    const before = layout.rows[layout.rows.indexOf(rows[0] as never) - 1];
    expect(before && before.top + before.height < y).toBe(true);
  });

  it('finds the row that holds an item, for keyboard navigation', () => {
    const items = Array.from({ length: 12 }, (_, i) => ({ id: i, takenAt: day(1) }));
    const layout = layoutGrid(items, 1000, 170, true);
    expect(rowOfItem(layout, 7)).toMatchObject({ kind: 'photos', start: 5, end: 10 });
  });
});
