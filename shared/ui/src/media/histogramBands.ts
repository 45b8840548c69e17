// The numbers behind the histogram cards. TensorBoard's distributions view compresses each step's
// histogram to nine percentiles (its "basis points": min, 6.68%, 15.87%, 30.85%, median, 69.15%,
// 84.13%, 93.32%, max, i.e. the mean and 0.5/1/1.5 standard deviations of a normal distribution) and
// draws the bands between symmetric pairs; the values are interpolated linearly inside a bucket.
import type { HistogramStep } from '@runlane/protocol';

export const BASIS_POINTS = [0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000] as const;

/** The nine percentiles of one step's buckets; null for an empty histogram. */
export function percentiles(h: Pick<HistogramStep, 'edges' | 'counts' | 'min' | 'max'>): number[] | null {
  const total = h.counts.reduce((a, b) => a + b, 0);
  if (!(total > 0) || h.edges.length !== h.counts.length + 1) return null;
  const lo = h.min ?? h.edges[0]!;
  const hi = h.max ?? h.edges[h.edges.length - 1]!;
  const out: number[] = [];
  let bucket = 0;
  let below = 0; // values in the buckets before `bucket`
  for (const bp of BASIS_POINTS) {
    if (bp === 0) {
      out.push(lo);
      continue;
    }
    if (bp === 10000) {
      out.push(hi);
      continue;
    }
    const target = (bp / 10000) * total;
    while (bucket < h.counts.length - 1 && below + h.counts[bucket]! < target) below += h.counts[bucket++]!;
    const count = h.counts[bucket]!;
    const left = Math.max(h.edges[bucket]!, lo);
    const right = Math.min(h.edges[bucket + 1]!, hi);
    const within = count > 0 ? (target - below) / count : 0;
    out.push(clamp(left + within * (right - left), lo, hi));
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Each step's percentiles, steps without values left out: the distributions view's data. */
export function bandSeries(steps: readonly HistogramStep[]): { steps: number[]; percentiles: number[][] } {
  const out = { steps: [] as number[], percentiles: [] as number[][] };
  for (const s of steps) {
    const p = percentiles(s);
    if (!p) continue;
    out.steps.push(s.step);
    out.percentiles.push(p);
  }
  return out;
}

/**
 * At most `max` steps, evenly over the run (first and last kept): TensorBoard keeps 500 histograms
 * per run and tag; more would not be told apart on a card.
 */
export function sampleSteps<T>(steps: readonly T[], max: number): T[] {
  if (steps.length <= max) return [...steps];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(steps[Math.round((i * (steps.length - 1)) / (max - 1))]!);
  return out;
}

