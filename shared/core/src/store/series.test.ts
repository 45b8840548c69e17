import { describe, expect, it } from 'vitest';
import type { PointColumns } from './metricCodec.js';
import { downsample, mergeByStep, sliceStepRange } from './series.js';

function columns(values: number[], steps = values.map((_, i) => i)): PointColumns {
  return { steps: Float64Array.from(steps), times: Float64Array.from(steps, (s) => 1000 + s), values: Float64Array.from(values) };
}

describe('downsample', () => {
  it('keeps every bucket extreme, so a one-point spike survives 100,000:1', () => {
    const values = Array.from({ length: 1_000_000 }, (_, i) => Math.sin(i / 1000));
    values[654_321] = 50;
    values[123_456] = -50;
    const out = downsample(columns(values), 1000);
    expect(out.values.length).toBeLessThanOrEqual(1000);
    expect(out.values.length).toBeGreaterThan(500);
    expect(Array.from(out.values)).toContain(50);
    expect(Array.from(out.values)).toContain(-50);
    expect(out.steps[0]).toBe(0);
    expect(out.steps[out.steps.length - 1]).toBe(999_999); // the last point is always kept
    for (let i = 1; i < out.steps.length; i++) expect(out.steps[i]!).toBeGreaterThan(out.steps[i - 1]!);
  });

  it('marks NaN points instead of dropping them', () => {
    const values = Array.from({ length: 10_000 }, () => 1);
    values[5000] = NaN;
    const out = downsample(columns(values), 100);
    expect(Array.from(out.values).some(Number.isNaN)).toBe(true);
  });

  it('handles a series whose points all share one step', () => {
    const out = downsample(columns([3, 1, 2, 5, 4], [7, 7, 7, 7, 7]), 4);
    expect(Array.from(out.values)).toEqual([3, 1, 5, 4]);
  });
});

describe('mergeByStep and sliceStepRange', () => {
  it('orders points of several writers by step, then time, then writer order', () => {
    const a = columns([1, 2, 3], [0, 2, 4]);
    const b = columns([10, 20], [1, 2]);
    const merged = mergeByStep([a, b]);
    expect(Array.from(merged.steps)).toEqual([0, 1, 2, 2, 4]);
    expect(Array.from(merged.values)).toEqual([1, 10, 2, 20, 3]);
  });

  it('cuts an inclusive step range', () => {
    const cut = sliceStepRange(columns([0, 1, 2, 3, 4, 5]), 2, 4);
    expect(Array.from(cut.values)).toEqual([2, 3, 4]);
  });
});
