// The grid's geometry: justified rows that keep each photo's shape, month headers with the days
// flowing on in shared rows, which rows a scroll position shows, and moving up and down by keyboard.
// Expected values are worked out by hand from the widths, shapes and counts, not from the code.

import { describe, expect, it } from 'vitest';
import {
  DAY_LABEL_HEIGHT,
  GAP,
  HEADER_HEIGHT,
  itemBelow,
  layoutGrid,
  rowOfItem,
  visibleRows,
  type GridItem,
  type PhotoRow,
} from '../../../renderer/src/lib/grid-layout.js';

const day = (m: number, d: number, hour = 12) => new Date(2025, m - 1, d, hour).getTime();
const photoRows = (rows: readonly { kind: string }[]) =>
  rows.filter((r) => r.kind === 'photos') as PhotoRow[];

describe('grid layout', () => {
  it('fills each row to the width at one height near the target, keeping every photo its shape', () => {
    // Six 3:2 photos, 1000 px wide, 200 px target. Three make a row of (1000 - 2 gaps) / 4.5 = 220.4 px;
    // four would make (1000 - 3 gaps) / 6 = 164.7 px, further from 200, so the row ends at three.
    // The last three are the end of the list: kept at 200 px, left-aligned.
    const items = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, takenAt: null, aspect: 1.5 }));
    const rows = photoRows(layoutGrid(items, 1000, 200, false).rows);
    expect(rows.map((r) => [r.start, r.end])).toEqual([
      [0, 3],
      [3, 6],
    ]);
    const first = rows[0] as PhotoRow;
    expect(first.size).toBeCloseTo(992 / 4.5, 6);
    for (const w of first.widths) expect(w / first.size).toBeCloseTo(1.5, 9);
    expect((first.xs.at(-1) ?? 0) + (first.widths.at(-1) ?? 0)).toBeCloseTo(1000, 6);
    expect(rows[1]?.size).toBe(200);
    expect(rows[1]?.widths).toEqual([300, 300, 300]);
    expect(rows[1]?.top).toBeCloseTo(992 / 4.5 + GAP, 6);
  });

  it('crops a panorama to 3:1 and a tall strip to 1:2, and gives a photo without a shape a square', () => {
    const items: GridItem[] = [
      { id: 1, takenAt: null, aspect: 10 },
      { id: 2, takenAt: null, aspect: 0.1 },
      { id: 3, takenAt: null },
    ];
    const row = photoRows(layoutGrid(items, 2000, 100, false).rows)[0] as PhotoRow;
    expect(row.widths).toEqual([300, 50, 100]);
  });

  it('puts a header at each month, and a label where each day starts, days sharing rows', () => {
    const items: GridItem[] = [
      { id: 1, takenAt: day(6, 14, 18) },
      { id: 2, takenAt: day(6, 14, 9) },
      { id: 3, takenAt: day(6, 12) },
      { id: 4, takenAt: day(5, 30) },
      { id: 5, takenAt: null },
    ];
    // 1000 px, 200 px target, squares: three to a row would be 330 px high, so June is one
    // left-aligned row at 200 px with two day labels; May one row; the undated one has no day label.
    const layout = layoutGrid(items, 1000, 200, true);
    const shape = layout.rows.map((r) =>
      r.kind === 'header'
        ? `${r.label} (${r.count})`
        : `${r.start}-${r.end} ${r.days.map((d) => d.index).join(',')}`,
    );
    expect(shape).toEqual([
      `${new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' }).format(day(6, 1))} (3)`,
      '0-3 0,2',
      `${new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' }).format(day(5, 1))} (1)`,
      '3-4 3',
      'No date (1)',
      '4-5 ',
    ]);
    const june = layout.rows[1] as PhotoRow;
    expect(june).toMatchObject({
      photoTop: DAY_LABEL_HEIGHT,
      height: DAY_LABEL_HEIGHT + 200,
      xs: [0, 204, 408],
    });
    expect(layout.height).toBe(3 * HEADER_HEIGHT + 2 * (DAY_LABEL_HEIGHT + 200 + GAP) + 200);
    expect(layout.months.map((m) => [m.top, m.year, m.count])).toEqual([
      [0, 2025, 3],
      [HEADER_HEIGHT + DAY_LABEL_HEIGHT + 200 + GAP, 2025, 1],
      [2 * HEADER_HEIGHT + 2 * (DAY_LABEL_HEIGHT + 200 + GAP), null, 1],
    ]);
  });

  it('renders only the rows near the viewport, even for 100k photos', () => {
    const items = Array.from({ length: 100_000 }, (_, i) => ({
      id: i + 1,
      takenAt: day(1, 1) - i * 3_600_000,
      aspect: i % 3 ? 1.5 : 0.75,
    }));
    const layout = layoutGrid(items, 1000, 170, true);
    const y = 2_000_000;
    const rows = visibleRows(layout, y, 800, 0);
    expect(rows.length).toBeGreaterThan(0);
    // Rows are at least ~120 px high here (1000 px never takes more than 8 of these shapes).
    expect(rows.length).toBeLessThanOrEqual(Math.ceil(800 / 100) + 2);
    for (const r of rows) {
      expect(r.top + r.height).toBeGreaterThanOrEqual(y);
      expect(r.top).toBeLessThanOrEqual(y + 800);
    }
    const before = layout.rows[layout.rows.indexOf(rows[0] as never) - 1];
    expect(before && before.top + before.height < y).toBe(true);
    // Every photo is in exactly one row, in order.
    const all = photoRows(layout.rows);
    expect(all.reduce((n, r) => n + r.end - r.start, 0)).toBe(100_000);
    expect(all.every((r, i) => i === 0 || r.start === all[i - 1]?.end)).toBe(true);
  });

  it('finds the row that holds an item, and the photo above or below one, by where it sits', () => {
    // Squares 1000 px wide at 200 px: rows of four at (1000 - 12) / 4 = 247 px ((1000 - 16) / 5 = 196.8
    // is closer to 200, so five to a row: 196.8 px, x = 0, 200.8, 401.6, 602.4, 803.2).
    const items = Array.from({ length: 12 }, (_, i) => ({ id: i, takenAt: null, aspect: i === 5 ? 3 : 1 }));
    const layout = layoutGrid(items, 1000, 200, false);
    const rows = photoRows(layout.rows);
    expect(rows.map((r) => [r.start, r.end])).toEqual([
      [0, 5],
      [5, 8],
      [8, 12],
    ]);
    expect(rowOfItem(layout, 6)).toBe(rows[1]);
    // Row 2: a 3:1 photo then two squares: (1000 - 8) / 5 = 198.4 px; x = 0, 599.2, 801.6.
    expect(itemBelow(layout, 0, 1)).toBe(5); // under x 98: the panorama
    expect(itemBelow(layout, 3, 1)).toBe(6); // under x 700: the first square after it
    expect(itemBelow(layout, 7, -1)).toBe(4);
    // The last row keeps 200 px squares, left-aligned (x = 0, 204, 408, 612): under x 299 is the second.
    expect(itemBelow(layout, 1, 2)).toBe(9);
    expect(itemBelow(layout, 1, -1)).toBe(1);
    expect(itemBelow(layout, 10, 1)).toBe(10);
  });
});
