// Histograms drawn as TensorBoard draws them, on a fixture written by tensorboardX with its default
// bucket edges (the user's `add_histogram("tb/hist", rng.normal(step, 1, 500), step)`), beside what
// TensorBoard's own frontend code computed from the same protos (make_histogram_display_fixture.py).
import { readFileSync } from 'node:fs';
import type { HistogramStep } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import type { ChartTheme } from '../charts/chartTypes.js';
import { drawDistribution } from './distributionView.js';
import { stepTicks, valueTicks } from './histogramAxis.js';
import { percentiles } from './histogramBands.js';
import { binRange, DISPLAY_BINS, rebin } from './histogramRebin.js';
import type { HistogramRun } from './histogramTypes.js';
import { drawRidges } from './ridgeView.js';

interface FixtureTag {
  steps: { step: number; buckets: [number, number, number][] }[];
  tb_bins: [number, number, number][][];
  tb_percentiles: number[][];
}
const fixture = JSON.parse(readFileSync(new URL('../../../../test/fixtures/tfevents/histogram_display/expected.json', import.meta.url), 'utf8')) as {
  tags: Record<string, FixtureTag>;
};

/** The fixture's steps as Runlane's event-file reader gives them (edges from min to max, as TensorBoard's loader). */
function stepsOf(tag: string): HistogramStep[] {
  return fixture.tags[tag]!.steps.map(({ step, buckets }) => {
    const counts = buckets.map((b) => b[2]);
    return {
      step,
      wall_time: 0,
      edges: [buckets[0]![0], ...buckets.map((b) => b[1])],
      counts,
      count: counts.reduce((a, b) => a + b, 0),
      min: buckets[0]![0],
      max: buckets.at(-1)![1],
      sum: 0,
    };
  });
}

const theme = { fontFamily: 'sans-serif', muted: '#888', grid: '#ccc' } as ChartTheme;

/** A canvas whose 2D context records the paths drawn (a thin seam: node has no canvas). */
function recordingCanvas() {
  const paths: [number, number][][] = [];
  const texts: string[] = [];
  let current: [number, number][] = [];
  const state: Record<string, unknown> = {}; // what the view sets (fillStyle, font, ...)
  const ctx = new Proxy(state, {
    get(target, name) {
      if (name in target) return target[name as string];
      if (name === 'beginPath') return () => (current = []);
      if (name === 'moveTo' || name === 'lineTo') return (x: number, y: number) => current.push([x, y]);
      if (name === 'fill') return () => paths.push(current);
      if (name === 'fillText') return (t: string) => texts.push(t);
      if (name === 'measureText') return (t: string) => ({ width: t.length * 6 });
      return () => {};
    },
    set(target, name, value) {
      target[name as string] = value;
      return true;
    },
  });
  const canvas = { clientWidth: 600, clientHeight: 300, width: 0, height: 0, getContext: () => ctx } as unknown as HTMLCanvasElement;
  return { canvas, paths, texts };
}

const run = (steps: HistogramStep[]): HistogramRun => ({ steps, color: '#1f77b4' }) as unknown as HistogramRun;

describe('histograms re-binned for display as TensorBoard does', () => {
  it('the fixture has the trouble: tensorboardX buckets near zero are 1e-13 wide, their density a needle', () => {
    const [first] = stepsOf('tb/hist');
    expect(first!.counts.length).toBeGreaterThan(500);
    // Each bucket's count over its width: what the ridges drew before they were re-binned.
    const y = first!.counts.map((c, i) => c / (first!.edges[i + 1]! - first!.edges[i]! || 1));
    const sorted = [...y].sort((a, b) => b - a);
    expect(sorted[0]! / sorted[Math.floor(sorted.length / 2)]!).toBeGreaterThan(1e6);
  });

  it("gives TensorBoard's own 30 bins for the same protos, the range over all steps, counts kept", () => {
    for (const tag of ['tb/hist', 'single']) {
      const steps = stepsOf(tag);
      const tb = fixture.tags[tag]!.tb_bins;
      const range = binRange(steps)!;
      expect(range.left).toBeCloseTo(tb[0]![0]![0], 9);
      expect(range.right).toBeCloseTo(tb[0]!.at(-1)![0] + tb[0]!.at(-1)![1], 9);
      steps.forEach((s, i) => {
        const ours = rebin(s, range);
        expect(ours).toHaveLength(DISPLAY_BINS);
        ours.forEach((c, j) => expect(c).toBeCloseTo(tb[i]![j]![2], 6));
        expect(ours.reduce((a, b) => a + b, 0)).toBeCloseTo(s.count, 6);
      });
    }
  });

  it('draws step 0 of the user’s histogram as a bell in the offset view, not a needle', () => {
    const { canvas, paths } = recordingCanvas();
    drawRidges(canvas, [run(stepsOf('tb/hist'))], theme);
    expect(paths).toHaveLength(4); // one filled ridge per step
    // A ridge's outline: baseline, one point per bin, baseline. Heights above its own baseline.
    const ridge = paths[0]!;
    const base = ridge[0]![1];
    const heights = ridge.slice(1, -1).map(([, y]) => base - y);
    const peak = Math.max(...heights);
    const at = heights.indexOf(peak);
    expect(peak).toBeGreaterThan(0);
    // Its neighbours stand nearly as tall (a needle's are nothing), and it is broad: bins within 1σ.
    expect((heights[at - 1]! + heights[at + 1]!) / 2).toBeGreaterThan(0.6 * peak);
    expect(heights.filter((h) => h > 0.1 * peak).length).toBeGreaterThanOrEqual(5);
    // The peak is at the mean (0): its bin's centre lies within one σ of it.
    const xs = ridge.slice(1, -1).map(([x]) => x);
    const range = binRange(stepsOf('tb/hist'))!;
    const valueAt = (px: number) => range.left + ((px - xs[0]!) / (xs.at(-1)! - xs[0]!)) * (range.right - range.left) * (1 - 1 / DISPLAY_BINS) + (range.right - range.left) / DISPLAY_BINS / 2;
    expect(Math.abs(valueAt(xs[at]!))).toBeLessThan(1);
    // Every step's ridge is as tall as step 0's within sampling noise: none flattened by a needle.
    const peaks = paths.map((p) => Math.max(...p.slice(1, -1).map(([, y]) => p[0]![1] - y)));
    for (const p of peaks) expect(p).toBeGreaterThan(0.6 * Math.max(...peaks));
  });

  it('keeps the distribution view’s percentiles those of TensorBoard’s compressor on the stored buckets', () => {
    for (const tag of ['tb/hist', 'single']) {
      stepsOf(tag).forEach((s, i) => {
        const ours = percentiles(s)!;
        fixture.tags[tag]!.tb_percentiles[i]!.forEach((v, j) => expect(ours[j]).toBeCloseTo(v, 9));
      });
    }
  });

  it('handles a single value and empty histograms', () => {
    const single = stepsOf('single');
    const range = binRange(single)!;
    expect(range.right).toBeGreaterThan(range.left);
    const bins = rebin(single[0]!, range);
    expect(bins.filter((c) => c > 0)).toEqual([40]);
    const empty: HistogramStep = { step: 3, wall_time: 0, edges: [0, 0], counts: [0], count: 0, min: null, max: null, sum: 0 };
    expect(binRange([])).toBeNull();
    expect(binRange([empty])).toBeNull();
    expect(rebin(empty, range)).toEqual(new Array(DISPLAY_BINS).fill(0));
    const { canvas, paths, texts } = recordingCanvas();
    drawRidges(canvas, [run([empty])], theme);
    expect(paths).toHaveLength(0);
    expect(texts).toContain('No values logged yet.');
    // Empty buckets at the ends do not widen the range.
    expect(binRange([{ edges: [-100, 0, 1, 100], counts: [0, 5, 0] }])).toEqual({ left: 0, right: 1 });
  });
});

describe('histogram axis ticks', () => {
  it('labels the logged steps 0, 5, 10, 15, not 0, 8, 15', () => {
    expect(stepTicks([0, 5, 10, 15], 8)).toEqual([0, 5, 10, 15]);
    const { canvas, texts } = recordingCanvas();
    expect(drawDistribution(canvas, [run(stepsOf('tb/hist'))], theme)).toEqual({ runs: 1, steps: 4 });
    // The labels drawn: the values axis (round numbers) first, then the steps.
    expect(texts.slice(-4)).toEqual(['0', '5', '10', '15']);
  });

  it('labels many steps with round numbers and both ends', () => {
    expect(stepTicks(Array.from({ length: 1001 }, (_, i) => i), 6)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(stepTicks(Array.from({ length: 995 }, (_, i) => i + 3), 6)).toEqual([3, 200, 400, 600, 800, 997]);
    expect(valueTicks(-3.899, 17.69, 4)).toEqual([0, 5, 10, 15]);
    expect(valueTicks(0.1, 0.35, 3)).toEqual([0.1, 0.2, 0.3]);
    expect(valueTicks(2, 2, 3)).toEqual([2]);
  });
});
