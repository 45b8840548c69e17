// Which rows and columns the table draws: only those in view (and a few beyond, so a fast scroll does
// not show blanks), whatever the table's size. DOM-free, so the window is unit-tested alone.

export interface RowWindow {
  first: number;
  /** One past the last row drawn. */
  end: number;
}

/** Rows in view at `scrollTop` in a viewport `height` px tall, `overscan` rows more on each side. */
export function rowWindow(scrollTop: number, height: number, rowHeight: number, count: number, overscan = 6): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { first: 0, end: 0 };
  const first = Math.max(0, Math.floor(Math.max(0, scrollTop) / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((Math.max(0, scrollTop) + Math.max(0, height)) / rowHeight) + overscan);
  return { first: Math.min(first, end), end };
}

/** Left edge of each column and the total width, from the columns' widths. */
export function columnOffsets(widths: readonly number[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let x = 0;
  for (const w of widths) {
    offsets.push(x);
    x += w;
  }
  return { offsets, total: x };
}

/** Index of the last offset <= x (binary search; 0 when x is before the first). */
function lastAtOrBefore(offsets: readonly number[], x: number): number {
  let lo = 0;
  let hi = offsets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The scrolling columns in view: the area right of the pinned columns shows the scrolling columns'
 * strip from `scrollLeft`, `viewWidth` px wide; `overscan` columns more on each side.
 */
export function columnWindow(scrollLeft: number, viewWidth: number, offsets: readonly number[], total: number, overscan = 2): RowWindow {
  const n = offsets.length;
  if (n === 0) return { first: 0, end: 0 };
  const left = Math.max(0, Math.min(scrollLeft, total));
  const first = Math.max(0, lastAtOrBefore(offsets, left) - overscan);
  const end = Math.min(n, lastAtOrBefore(offsets, left + Math.max(0, viewWidth)) + 1 + overscan);
  return { first, end };
}
