import { describe, expect, it } from 'vitest';
import { bandSeries, BASIS_POINTS, percentiles, sampleSteps } from './histogramBands.js';

describe('percentiles of a histogram (TensorBoard distributions)', () => {
  it('interpolates inside the buckets: a uniform histogram gives its quantiles', () => {
    // 0..100 in 10 buckets of 10 values each: uniform, so percentile p is p.
    const edges = Array.from({ length: 11 }, (_, i) => i * 10);
    const p = percentiles({ edges, counts: Array(10).fill(10), min: 0, max: 100 })!;
    expect(p.map((v) => Math.round(v * 100) / 100)).toEqual(BASIS_POINTS.map((bp) => bp / 100));
  });

  it('finds the median in the bucket that crosses half the values, clamped to min and max', () => {
    // 90 values in [0, 1), 10 in [9, 10): the median is inside the first bucket, the max is 9.5.
    const p = percentiles({ edges: [0, 1, 9, 10], counts: [90, 0, 10], min: 0.2, max: 9.5 })!;
    expect(p[0]).toBe(0.2);
    expect(p[4]).toBeCloseTo(0.2 + (50 / 90) * 0.8, 10);
    // 93.32% lies in the last bucket, [9, 10) cut at the max 9.5: 3.32 of its 10 values in.
    expect(p[7]).toBeCloseTo(9 + (3.32 / 10) * 0.5, 10);
    expect(p[8]).toBe(9.5);
    for (let i = 1; i < p.length; i++) expect(p[i]).toBeGreaterThanOrEqual(p[i - 1]!);
  });

  it('leaves out empty steps, and says null for them', () => {
    expect(percentiles({ edges: [0, 1], counts: [0], min: null, max: null })).toBeNull();
    const bands = bandSeries([
      { step: 0, wall_time: 0, edges: [0, 1], counts: [0], count: 0, min: null, max: null, sum: 0 },
      { step: 5, wall_time: 0, edges: [0, 2], counts: [4], count: 4, min: 0, max: 2, sum: 4 },
    ]);
    expect(bands.steps).toEqual([5]);
    expect(bands.percentiles[0]![4]).toBe(1);
  });

  it('samples at most N steps evenly, first and last kept', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => i);
    const s = sampleSteps(steps, 500);
    expect(s).toHaveLength(500);
    expect(s[0]).toBe(0);
    expect(s.at(-1)).toBe(999);
    expect(new Set(s).size).toBe(500);
    expect(sampleSteps([1, 2], 500)).toEqual([1, 2]);
  });
});
