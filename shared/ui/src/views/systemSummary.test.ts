import { describe, expect, it } from 'vitest';
import type { MetricSeries, MetricSummary, RunDetail } from '@runlane/protocol';
import { mainMetric } from '../runs/runList.js';
import { compareGroups, SystemSummary } from './systemSummary.js';

const summary = (max: number, count: number): MetricSummary => ({ count, last: max, min: 0, max });
const series = (key: string, values: MetricSeries['values']): MetricSeries => ({
  run: 'r', key, rank: null, steps: values.map((_, i) => i), times: values.map((_, i) => i), values, total: values.length, downsampled: false,
});

function run(metrics: Record<string, MetricSummary>, ranks: number[] = []): RunDetail {
  return { metrics, ranks } as unknown as RunDetail;
}

describe('the System section of the details view', () => {
  it('shows peaks from the summaries and means read from the series, each read again only when points arrive', async () => {
    const reads: string[] = [];
    const values: Record<string, MetricSeries['values']> = {
      'system/cpu_percent': [50, 150], 'system/gpu0/util': [10, 30, 'NaN'], 'system/gpu0/power_w': [100, 200], 'system/gpu1/util': [90],
    };
    let refreshed = 0;
    const view = new SystemSummary(async (key) => {
      reads.push(key);
      return series(key, values[key]!);
    }, () => refreshed++);
    const metrics = {
      loss: summary(1, 3),
      'system/cpu_percent': summary(150, 2), 'system/memory_mb': summary(2048, 2),
      'system/gpu0/util': summary(30, 3), 'system/gpu0/memory_mb': summary(40000, 3), 'system/gpu0/power_w': summary(200, 2),
      'system/gpu1/util': summary(90, 1),
    };
    expect(view.rows(run(metrics)).map((r) => [r.label, r.mean, r.peak])).toEqual([
      ['CPU', '…', '150%'], ['Memory (RSS)', '', '2.0 GiB'],
      ['GPU 0 utilisation', '…', '30%'], ['GPU 0 memory', '', '39.1 GiB'], ['GPU 0 power', '…', '200 W'],
      ['GPU 1 utilisation', '…', '90%'],
    ]);
    await expect.poll(() => refreshed).toBe(4);
    const rows = view.rows(run(metrics));
    expect(rows.map((r) => r.mean)).toEqual(['100%', '', '20%', '', '150 W', '90%']); // NaN is left out of the mean
    expect(reads.sort()).toEqual(['system/cpu_percent', 'system/gpu0/power_w', 'system/gpu0/util', 'system/gpu1/util']);
    view.rows(run({ ...metrics, 'system/gpu0/util': summary(30, 4) })); // one more point: that mean only is read again
    expect(reads.filter((k) => k === 'system/gpu0/util')).toHaveLength(2);
    expect(reads).toHaveLength(5);
  });

  it('is empty for a run without system metrics', () => {
    expect(new SystemSummary(() => Promise.reject(new Error('not asked')), () => {}).rows(run({ loss: summary(1, 1) }))).toEqual([]);
  });
});

describe('chart groups', () => {
  it('puts the user\'s groups first by name, then ungrouped keys, then the system group', () => {
    expect(['system', '', 'val', 'train', 'a'].sort(compareGroups)).toEqual(['a', 'train', 'val', '', 'system']);
  });
});

describe('the main metric of a run with system metrics', () => {
  it('is never a system/* key unless the user chose it', () => {
    const metrics = { throughput: summary(900, 3), 'system/cpu_percent': summary(150, 2) };
    const r = { ...run(metrics), name: 'r' } as unknown as Parameters<typeof mainMetric>[0];
    expect(mainMetric(r)?.key).toBe('throughput');
    expect(mainMetric({ ...r, metrics: { 'system/memory_mb': summary(10, 1) } })).toBeNull();
    expect(mainMetric(r, 'system/cpu_percent')?.key).toBe('system/cpu_percent');
  });
});
