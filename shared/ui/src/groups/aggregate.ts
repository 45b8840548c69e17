// A group's series: per step the mean, min, max and standard deviation over its members.
//
// Members rarely share a step grid (one logged every 10 steps, another every 25; each is fetched
// downsampled into its own buckets), so the steps are the union of the members' steps. At a step a
// member did not log, its value is the straight line between its two neighbouring points, as the chart
// draws it; outside its first..last step a member has no value and does not count (a run that stopped
// early is not extended). A NaN/Inf point and the stretches next to it count as no value, like a gap
// in its line. Smoothing is applied to each member first, with the charts' TensorBoard smoothing, so
// the mean line is the mean of the lines the members would draw.
import { smoothTensorBoard } from '../charts/smoothing.js';

export interface MemberSeries {
  steps: ArrayLike<number>;
  times: ArrayLike<number>;
  values: ArrayLike<number>;
}

export interface Aggregate {
  steps: number[];
  /**
   * Wall time at each step (Unix seconds): the members' earliest start plus the shortest time any
   * member took from its own start to this step. Seeds run one after another (hours apart) then still
   * share a relative-time axis, and the wall-time axis starts where the first member started.
   */
  times: number[];
  mean: number[];
  min: number[];
  max: number[];
  /** Population standard deviation (0 for one member): spread of the runs, not of the mean. */
  std: number[];
  /** How many members have a value at each step. NaN everywhere else when 0. */
  count: number[];
  /** With smoothing: the mean of the raw (unsmoothed) members at each step. */
  rawMean?: number[];
}

/** The sorted distinct steps of every member. */
function unionSteps(members: MemberSeries[]): Float64Array {
  // Members usually share their grid: then the first one's steps are the union, without a sort.
  const first = members[0]?.steps;
  if (first && members.every((m) => sameSteps(m.steps, first))) return Float64Array.from(first);
  let total = 0;
  for (const m of members) total += m.steps.length;
  const all = new Float64Array(total);
  let n = 0;
  for (const m of members) for (let i = 0; i < m.steps.length; i++) all[n++] = m.steps[i]!;
  all.sort();
  let k = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[k - 1]) all[k++] = all[i]!;
  return all.subarray(0, k);
}

function sameSteps(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The members' aggregate on the union of their steps. `smoothing` is the charts' weight (0: none).
 * Mean and standard deviation by Welford's update, one member at a time (stable, one pass).
 */
export function aggregateSeries(members: MemberSeries[], smoothing = 0): Aggregate {
  const steps = unionSteps(members);
  const n = steps.length;
  const count = new Float64Array(n);
  const mean = new Float64Array(n);
  const m2 = new Float64Array(n);
  const min = new Float64Array(n).fill(Infinity);
  const max = new Float64Array(n).fill(-Infinity);
  const times = new Float64Array(n).fill(Infinity);
  // With smoothing, the raw members' mean too (the faint line behind the smoothed one), in the same
  // walk: a smoothed point is finite exactly where the raw one is (smoothing passes NaN/Inf through).
  const rawSum = smoothing > 0 ? new Float64Array(n) : null;
  let start = Infinity;
  for (const m of members) {
    const raw = Float64Array.from(m.values); // one array type in the loop below, which runs a million times
    const values = smoothing > 0 ? smoothTensorBoard(raw, smoothing) : raw;
    const mSteps = m.steps;
    const len = mSteps.length;
    const t0 = len ? m.times[0]! : 0;
    if (t0 < start) start = t0;
    let j = 0;
    for (let k = 0; k < n && j < len; k++) {
      const step = steps[k]!;
      while (j < len && mSteps[j]! < step) j++;
      if (j === len) break;
      let x: number;
      let r: number;
      if (mSteps[j] === step) {
        x = values[j]!;
        r = raw[j]!;
        if (m.times[j]! - t0 < times[k]!) times[k] = m.times[j]! - t0;
      } else if (j === 0) {
        continue; // before the member's first step
      } else {
        const f = (step - mSteps[j - 1]!) / (mSteps[j]! - mSteps[j - 1]!);
        x = values[j - 1]! + (values[j]! - values[j - 1]!) * f;
        r = raw[j - 1]! + (raw[j]! - raw[j - 1]!) * f;
      }
      if (!Number.isFinite(x)) continue;
      if (rawSum) rawSum[k] = rawSum[k]! + r;
      const c = (count[k] = count[k]! + 1);
      const delta = x - mean[k]!;
      mean[k] = mean[k]! + delta / c;
      m2[k] = m2[k]! + delta * (x - mean[k]!);
      if (x < min[k]!) min[k] = x;
      if (x > max[k]!) max[k] = x;
    }
  }
  const out: Aggregate = { steps: Array.from(steps), times: Array.from(times, (t) => start + t), mean: [], min: [], max: [], std: [], count: Array.from(count) };
  for (let k = 0; k < n; k++) {
    const c = count[k]!;
    out.mean.push(c ? mean[k]! : NaN);
    out.min.push(c ? min[k]! : NaN);
    out.max.push(c ? max[k]! : NaN);
    out.std.push(c ? Math.sqrt(m2[k]! / c) : NaN);
    if (rawSum) (out.rawMean ??= []).push(c ? rawSum[k]! / c : NaN);
  }
  return out;
}

export type BandKind = 'minmax' | 'std';

/** The band drawn around the mean: min to max, or one standard deviation either side. */
export function bandOf(agg: Aggregate, kind: BandKind): { lower: number[]; upper: number[]; kind: BandKind } {
  if (kind === 'minmax') return { lower: agg.min, upper: agg.max, kind };
  return { lower: agg.mean.map((m, i) => m - agg.std[i]!), upper: agg.mean.map((m, i) => m + agg.std[i]!), kind };
}
