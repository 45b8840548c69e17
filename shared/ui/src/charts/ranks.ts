// A job's workers each log their own series (contract C1). These helpers name a rank's line and fold
// the ranks of one run into their mean with a min-max band, aligned by step.
import type { RunSeries } from './chartTypes.js';

export function rankLabel(label: string, rank: number): string {
  return `${label} [rank ${rank}]`;
}

/**
 * The mean of the ranks' finite values at each step any rank logged, with the min and max beside it.
 * A step where no rank has a finite value is NaN (drawn as a gap); the time is the earliest rank's.
 */
export function meanOverRanks(ranks: RunSeries[], runKey: string, label: string, color: string): RunSeries {
  const bySteps = new Map<number, { time: number; sum: number; n: number; min: number; max: number }>();
  for (const s of ranks) {
    for (let i = 0; i < s.steps.length; i++) {
      const step = s.steps[i]!;
      const v = s.values[i]!;
      let acc = bySteps.get(step);
      if (!acc) bySteps.set(step, (acc = { time: s.times[i]!, sum: 0, n: 0, min: Infinity, max: -Infinity }));
      acc.time = Math.min(acc.time, s.times[i]!);
      if (!Number.isFinite(v)) continue;
      acc.sum += v;
      acc.n++;
      acc.min = Math.min(acc.min, v);
      acc.max = Math.max(acc.max, v);
    }
  }
  const steps = [...bySteps.keys()].sort((a, b) => a - b);
  const at = steps.map((step) => bySteps.get(step)!);
  return {
    runKey,
    label: `${label} [mean of ${ranks.length} ranks]`,
    color,
    steps,
    times: at.map((a) => a.time),
    values: at.map((a) => (a.n ? a.sum / a.n : NaN)),
    rank: null,
    band: { lower: at.map((a) => (a.n ? a.min : NaN)), upper: at.map((a) => (a.n ? a.max : NaN)) },
  };
}
