// The photo grid's geometry, kept out of the component so it is plain and testable. Photos keep their
// shape: each row is a run of photos scaled to one height so that the row fills the width exactly (the
// justified layout of Flickr, Google Photos and Immich), near a target height the user picks. The
// library is grouped by month, each under a header; inside a month the days flow on in the same rows,
// a small date label above the photo each day starts at, so a day of one or two photos takes no row of
// its own. A scroll position maps to the few rows on screen by binary search over row offsets: with
// 100k photos that is ~17k rows computed once per width or size change; only visible ones become DOM.

export interface GridItem {
  id: number;
  takenAt: number | null;
  /** Width / height as displayed; 1 (a square) when unknown. */
  aspect?: number;
}

export interface PhotoRow {
  kind: 'photos';
  key: string;
  top: number;
  /** The row's whole height: the day-label strip (when a day starts in it) and the photos. */
  height: number;
  start: number;
  end: number;
  /** Where the photos begin below the row's top (the day-label strip's height, or 0). */
  photoTop: number;
  /** The photos' height. */
  size: number;
  /** Each photo's left edge and width, in order from `start`. */
  xs: number[];
  widths: number[];
  /** The days that start in this row: the photo index each starts at and its label. */
  days: { index: number; label: string }[];
}

export interface HeaderRow {
  kind: 'header';
  key: string;
  top: number;
  height: number;
  label: string;
  count: number;
}

export type GridRow = HeaderRow | PhotoRow;

/** A month's place in the grid, for the timeline scrubber. */
export interface MonthMark {
  top: number;
  label: string;
  year: number | null;
  count: number;
}

export interface GridLayout {
  rows: GridRow[];
  height: number;
  months: MonthMark[];
}

export const GAP = 4;
export const HEADER_HEIGHT = 52;
export const DAY_LABEL_HEIGHT = 26;
/** Shapes beyond these are cropped in the grid: a panorama would otherwise be a thin strip. */
const MIN_ASPECT = 0.5;
const MAX_ASPECT = 3;

const shape = (item: GridItem | undefined): number =>
  Math.min(MAX_ASPECT, Math.max(MIN_ASPECT, item?.aspect && Number.isFinite(item.aspect) ? item.aspect : 1));

/** The local calendar month of a timestamp, as a sortable key; null dates share one key. */
export function monthKey(t: number | null): string {
  if (t === null) return 'undated';
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

/** The local calendar day of a timestamp, as a sortable key; null dates share one key. */
export function dayKey(t: number | null): string {
  if (t === null) return 'undated';
  const d = new Date(t);
  return `${monthKey(t)}-${String(d.getDate()).padStart(2, '0')}`;
}

const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

export function monthLabel(t: number | null): string {
  return t === null ? 'No date' : monthFormat.format(new Date(t));
}

export function dayLabel(t: number | null): string {
  return t === null ? 'No date' : dayFormat.format(new Date(t));
}

/**
 * Splits items [start, end) into justified rows `width` wide near `target` px high. A row closes at the
 * photo that would make it the closer to the target height of the two choices (with or without that
 * photo); the last row of a group keeps the target height and is left-aligned, not stretched.
 */
function justify(items: readonly GridItem[], start: number, end: number, width: number, target: number) {
  const out: { start: number; end: number; size: number }[] = [];
  let from = start;
  let sum = 0;
  for (let i = start; i < end; i++) {
    const a = shape(items[i]);
    const n = i - from + 1;
    const fullAt = (width - GAP * (n - 1)) / (sum + a);
    if (fullAt > target) {
      sum += a;
      continue;
    }
    // Adding photo i brings the row to (or below) the target height: take it or end before it.
    const without = n > 1 ? (width - GAP * (n - 2)) / sum : Infinity;
    if (n > 1 && without - target < target - fullAt) {
      out.push({ start: from, end: i, size: without });
      from = i;
      sum = a;
      // Photo i alone may already fill a row (a panorama in a narrow window).
      if (width / a <= target) {
        out.push({ start: i, end: i + 1, size: width / a });
        from = i + 1;
        sum = 0;
      }
    } else {
      out.push({ start: from, end: i + 1, size: fullAt });
      from = i + 1;
      sum = 0;
    }
  }
  if (from < end) out.push({ start: from, end, size: target });
  return out;
}

/**
 * Rows for `items` in their given order, `width` px wide, photos near `target` px high. Grouped: a header
 * starts each month and a label each day; ungrouped (search results, in score order): photo rows only.
 */
export function layoutGrid(
  items: readonly GridItem[],
  width: number,
  target: number,
  grouped: boolean,
): GridLayout {
  const rows: GridRow[] = [];
  const months: MonthMark[] = [];
  let top = 0;
  const pushPhotos = (start: number, end: number, days: boolean) => {
    for (const r of justify(items, start, end, width, target)) {
      const xs: number[] = [];
      const widths: number[] = [];
      const labels: PhotoRow['days'] = [];
      let x = 0;
      for (let i = r.start; i < r.end; i++) {
        const w = shape(items[i]) * r.size;
        xs.push(x);
        widths.push(w);
        x += w + GAP;
        const t = items[i]?.takenAt ?? null;
        if (days && (i === start || dayKey(items[i - 1]?.takenAt ?? null) !== dayKey(t)))
          labels.push({ index: i, label: dayLabel(t) });
      }
      const photoTop = labels.length ? DAY_LABEL_HEIGHT : 0;
      rows.push({
        kind: 'photos',
        key: `p${r.start}`,
        top,
        height: photoTop + r.size,
        start: r.start,
        end: r.end,
        photoTop,
        size: r.size,
        xs,
        widths,
        days: labels,
      });
      top += photoTop + r.size + GAP;
    }
  };
  if (!grouped) pushPhotos(0, items.length, false);
  else {
    let start = 0;
    while (start < items.length) {
      const t = items[start]?.takenAt ?? null;
      const key = monthKey(t);
      let end = start + 1;
      while (end < items.length && monthKey(items[end]?.takenAt ?? null) === key) end++;
      const label = monthLabel(t);
      months.push({ top, label, year: t === null ? null : new Date(t).getFullYear(), count: end - start });
      rows.push({ kind: 'header', key: `h${start}`, top, height: HEADER_HEIGHT, label, count: end - start });
      top += HEADER_HEIGHT;
      pushPhotos(start, end, t !== null);
      start = end;
    }
  }
  return { rows, height: Math.max(0, top - (rows.length ? GAP : 0)), months };
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

/** The position of the row that holds item `index` (binary search: rows are in item order). */
function rowIndexOf(rows: readonly GridRow[], index: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    const r = rows[mid] as GridRow;
    // A header sorts with the photo row below it.
    const start =
      r.kind === 'photos' ? r.start : ((rows[mid + 1] as PhotoRow | undefined)?.start ?? Infinity);
    if (start <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The row that holds item `index`, to scroll it into view. */
export function rowOfItem(layout: GridLayout, index: number): PhotoRow | undefined {
  const r = layout.rows[rowIndexOf(layout.rows, index)];
  return r?.kind === 'photos' && index >= r.start && index < r.end ? r : undefined;
}

/**
 * The item `steps` photo rows below (negative: above) item `index`: the one under the middle of it,
 * or the nearest to that in the row. Stays put past the first or last row.
 */
export function itemBelow(layout: GridLayout, index: number, steps: number): number {
  const { rows } = layout;
  let at = rowIndexOf(rows, index);
  const row = rows[at];
  if (row?.kind !== 'photos') return index;
  const k = index - row.start;
  const middle = (row.xs[k] ?? 0) + (row.widths[k] ?? 0) / 2;
  let target: PhotoRow = row;
  for (let left = Math.abs(steps); left > 0;) {
    at += Math.sign(steps);
    const next = rows[at];
    if (!next) break;
    if (next.kind === 'photos') {
      target = next;
      left--;
    }
  }
  if (target === row) return index;
  let best = target.start;
  let bestDistance = Infinity;
  for (let i = 0; i < target.xs.length; i++) {
    const from = target.xs[i] as number;
    const to = from + (target.widths[i] as number);
    const distance = middle < from ? from - middle : middle > to ? middle - to : 0;
    if (distance < bestDistance) {
      best = target.start + i;
      bestDistance = distance;
    }
  }
  return best;
}

/** The ids of a grid's items, for membership tests over 100k photos (not reactive state). */
export function idsOf(items: readonly { id: number }[]): ReadonlySet<number> {
  return new Set(items.map((it) => it.id));
}

/** Each item by id (not reactive state), for grids of photos that come as ids alone. */
export function byIdOf(items: readonly GridItem[]): ReadonlyMap<number, GridItem> {
  return new Map(items.map((it) => [it.id, it]));
}
