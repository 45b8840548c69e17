// What the histogram cards draw from a stored histogram, as TensorBoard draws it: writers bucket values
// unevenly (tensorboardX's default edges grow by 10% from 1e-12, so a bucket near zero can be 1e-13
// wide and hold one value), and a density drawn from such buckets is a needle. TensorBoard's
// Histograms tab first spreads every step over the same `DISPLAY_BINS` uniform bins spanning all the
// steps shown (its histogramCore intermediateToD3): a bucket's count goes to the bins it overlaps in
// proportion to the overlap, so the total (the area) is kept; a zero-width bucket (every value the
// same) goes whole to the bin that holds it. The stored histogram is never changed: this is display.
import type { HistogramStep } from '@runlane/protocol';

/** TensorBoard's bin count for its Histograms tab. */
export const DISPLAY_BINS = 30;

export interface BinRange {
  left: number;
  right: number;
}

type Buckets = Pick<HistogramStep, 'edges' | 'counts'>;

/** Whether a step holds values with usable edges (an empty or malformed one is left out of the range). */
function drawable(h: Buckets): boolean {
  if (h.edges.length !== h.counts.length + 1 || !h.counts.length) return false;
  let total = 0;
  for (const c of h.counts) total += c;
  return total > 0 && Number.isFinite(h.edges[0]) && Number.isFinite(h.edges[h.edges.length - 1]);
}

/**
 * The span of every drawable step's non-empty buckets (null when none holds a value): empty buckets
 * at the ends are left out, as TensorBoard's loader drops them. A span of zero width
 * (one value throughout) is widened as TensorBoard widens it, so the bins have a width.
 */
export function binRange(steps: readonly Buckets[]): BinRange | null {
  let left = Infinity;
  let right = -Infinity;
  for (const h of steps) {
    if (!drawable(h)) continue;
    let first = 0;
    while (!(h.counts[first]! > 0)) first++;
    let last = h.counts.length - 1;
    while (!(h.counts[last]! > 0)) last--;
    left = Math.min(left, h.edges[first]!);
    right = Math.max(right, h.edges[last + 1]!);
  }
  if (left > right) return null;
  if (left === right) return { left: left / 1.1 - 1, right: right * 1.1 + 1 };
  return { left, right };
}

/** One step's counts spread over `bins` uniform bins of `range`; all zero for an empty step. */
export function rebin(h: Buckets, range: BinRange, bins = DISPLAY_BINS): number[] {
  const out = new Array<number>(bins).fill(0);
  if (!drawable(h)) return out;
  const width = (range.right - range.left) / bins;
  let b = 0; // the first input bucket that may still reach the current bin
  for (let i = 0; i < bins; i++) {
    const binLeft = range.left + i * width;
    const binRight = binLeft + width;
    const last = i === bins - 1;
    while (b < h.counts.length) {
      const left = Math.max(range.left, h.edges[b]!);
      const right = Math.min(range.right, h.edges[b + 1]!);
      const count = h.counts[b]!;
      if (right > left) {
        const overlap = Math.min(right, binRight) - Math.max(left, binLeft);
        if (overlap > 0) out[i]! += (overlap / (right - left)) * count;
      } else if (binLeft <= left && (last ? right <= binRight : right < binRight)) {
        // A zero-width bucket belongs to the bin whose [left, right) holds it ([left, right] for the last).
        out[i]! += count;
      }
      if (right > binRight) break; // it reaches the next bin too
      b++;
    }
  }
  return out;
}

/** A step as the offset view draws it: bin centres and each bin's density (count per unit of value). */
export function displayDensity(h: Buckets, range: BinRange, bins = DISPLAY_BINS): { x: number[]; y: number[] } {
  const counts = rebin(h, range, bins);
  const width = (range.right - range.left) / bins;
  return { x: counts.map((_, i) => range.left + (i + 0.5) * width), y: counts.map((c) => c / width) };
}
