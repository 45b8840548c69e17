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

describe('step-range reads of a file known to be in step order', () => {
  it('read only the range, and stay right when records are appended, even out of order', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { StoreWriter } = await import('./storeWriter.js');
    const { readSeriesColumns } = await import('./series.js');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-range-'));
    try {
      const writer = await StoreWriter.open(dir);
      const id = await writer.createRun({ name: 'r', experiment: 'e', kind: 'script' });
      writer.logMetrics(id, 'loss', Array.from({ length: 10_000 }, (_, step) => ({ step, value: step / 2, time: step })));
      const runDir = path.join(dir, 'runs', id);
      const full = (await readSeriesColumns(runDir, 'loss'))!;
      expect(full.total).toBe(10_000);
      const range = (await readSeriesColumns(runDir, 'loss', { fromStep: 4000, toStep: 4009 }))!;
      expect(Array.from(range.steps)).toEqual(Array.from({ length: 10 }, (_, i) => 4000 + i));
      expect(Array.from(range.values)).toEqual(Array.from({ length: 10 }, (_, i) => (4000 + i) / 2));
      writer.logMetrics(id, 'loss', [
        { step: 10_000, value: 1, time: 1 },
        { step: 4005, value: -1, time: 2 }, // a restart logging an old step again
      ]);
      const after = (await readSeriesColumns(runDir, 'loss', { fromStep: 4004, toStep: 4006 }))!;
      expect(Array.from(after.steps)).toEqual([4004, 4005, 4005, 4006]);
      expect(Array.from(after.values)).toEqual([2002, -1, 2002.5, 2003]); // equal steps: earlier wall time first
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
