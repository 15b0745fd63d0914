// The thumbnail grid's geometry, kept out of the component so it is plain and testable: photos are
// split into day groups (newest first, as the timeline arrives), each group into rows of `cols` square
// cells, and a scroll position maps to the few rows on screen by binary search over row offsets. With
// 100k photos that is ~20k rows computed once per width change; only the visible ones become DOM.

export interface GridItem {
  id: number;
  takenAt: number | null;
}

export type GridRow =
  | { kind: 'header'; key: string; top: number; height: number; label: string; count: number }
  | { kind: 'photos'; key: string; top: number; height: number; start: number; end: number };

export interface GridLayout {
  rows: GridRow[];
  height: number;
  cols: number;
  cell: number;
}

export const GAP = 4;
export const HEADER_HEIGHT = 44;

/** Columns and cell size for a width: cells near `target` px wide, at least two columns. */
export function columns(width: number, target: number): { cols: number; cell: number } {
  const cols = Math.max(2, Math.floor((width + GAP) / (target + GAP)));
  return { cols, cell: Math.max(1, (width - GAP * (cols - 1)) / cols) };
}

/** The local calendar day of a timestamp, as a sortable key; null dates share one key. */
export function dayKey(t: number | null): string {
  if (t === null) return 'undated';
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const dayFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

export function dayLabel(t: number | null): string {
  return t === null ? 'No date' : dayFormat.format(new Date(t));
}

/**
 * Rows for `items` in their given order. Grouped: a header row starts each run of photos taken on the
 * same day. Ungrouped (search results, in score order): photo rows only.
 */
export function layoutGrid(
  items: readonly GridItem[],
  width: number,
  target: number,
  grouped: boolean,
): GridLayout {
  const { cols, cell } = columns(width, target);
  const rows: GridRow[] = [];
  let top = 0;
  const pushPhotos = (start: number, end: number) => {
    for (let s = start; s < end; s += cols) {
      rows.push({ kind: 'photos', key: `p${s}`, top, height: cell, start: s, end: Math.min(end, s + cols) });
      top += cell + GAP;
    }
  };
  if (!grouped) pushPhotos(0, items.length);
  else {
    let start = 0;
    while (start < items.length) {
      const key = dayKey(items[start]?.takenAt ?? null);
      let end = start + 1;
      while (end < items.length && dayKey(items[end]?.takenAt ?? null) === key) end++;
      rows.push({
        kind: 'header',
        key: `h${start}`,
        top,
        height: HEADER_HEIGHT,
        label: dayLabel(items[start]?.takenAt ?? null),
        count: end - start,
      });
      top += HEADER_HEIGHT;
      pushPhotos(start, end);
      start = end;
    }
  }
  return { rows, height: Math.max(0, top - (rows.length ? GAP : 0)), cols, cell };
}

/** The index of the first row whose bottom edge is below `y`. */
export function rowAt(rows: readonly GridRow[], y: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid] as GridRow;
    if (r.top + r.height < y) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo);
}

/** The rows to render for a viewport, with `overscan` px of slack above and below. */
export function visibleRows(
  layout: GridLayout,
  scrollTop: number,
  viewport: number,
  overscan = 600,
): GridRow[] {
  const { rows } = layout;
  if (!rows.length) return [];
  const first = rowAt(rows, scrollTop - overscan);
  const out: GridRow[] = [];
  const bottom = scrollTop + viewport + overscan;
  for (let i = first; i < rows.length; i++) {
    const r = rows[i] as GridRow;
    if (r.top > bottom) break;
    out.push(r);
  }
  return out;
}

/** The scroll offset that brings item `index` into view (for keyboard navigation). */
export function rowOfItem(layout: GridLayout, index: number): GridRow | undefined {
  return layout.rows.find((r) => r.kind === 'photos' && index >= r.start && index < r.end);
}
