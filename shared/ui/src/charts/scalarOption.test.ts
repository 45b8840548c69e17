import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type CardData, type ChartTheme } from './chartTypes.js';
import { cardToCsv } from './csv.js';
import { percentileRange } from './outliers.js';
import { assignRunColors, RUN_PALETTE } from './runColors.js';
import { buildScalarOption, escapeHtml } from './scalarOption.js';

const theme: ChartTheme = { foreground: '#000', muted: '#666', background: '#fff', grid: '#ddd', accent: '#00f', fontFamily: 'sans' };

function card(overrides: Partial<CardData> = {}): CardData {
  return {
    key: 'train/loss',
    series: [{ runKey: 's::a', label: 'run <a>', color: '#123456', steps: [0, 1, 2, 3], times: [10, 11, 12, 13], values: [1, NaN, 0.5, -Infinity] }],
    ...overrides,
  };
}

type Series = { id: string; type: string; data: unknown[][]; lineStyle?: { opacity?: number } };

describe('buildScalarOption', () => {
  it('draws the raw series faint behind the smoothed one, with gaps where values are not finite', () => {
    const option = buildScalarOption(card(), DEFAULT_SETTINGS, theme) as { series: Series[] };
    const [raw, main] = option.series;
    expect(raw!.id).toBe('s::a:raw');
    expect(raw!.lineStyle!.opacity).toBeLessThan(0.5);
    expect(raw!.data.map((p) => p[1])).toEqual([1, null, 0.5, null]);
    expect(main!.id).toBe('s::a:main');
    expect(main!.data[2]![1]).toBeCloseTo(0.6875, 10); // debiased EMA of [1, 0.5] at w = 0.6
  });

  it('marks NaN and -Inf points instead of dropping them', () => {
    const option = buildScalarOption(card(), DEFAULT_SETTINGS, theme) as { series: Series[] };
    const marks = option.series.find((s) => s.id === 's::a:nonfinite')!;
    expect(marks.type).toBe('scatter');
    expect(marks.data.map((p) => (p as unknown as { value: number[] }).value[2])).toEqual([1, 3]);
  });

  it('uses wall time (ms) and relative seconds for the other x axes, and a log y axis', () => {
    const wall = buildScalarOption(card(), { ...DEFAULT_SETTINGS, xAxis: 'wall', smoothing: 0 }, theme) as { series: Series[]; xAxis: { type: string } };
    expect(wall.xAxis.type).toBe('time');
    expect(wall.series[0]!.data[0]![0]).toBe(10_000);
    const rel = buildScalarOption(card(), { ...DEFAULT_SETTINGS, xAxis: 'relative', smoothing: 0 }, theme) as { series: Series[] };
    expect(rel.series[0]!.data.map((p) => p[0])).toEqual([0, 1, 2, 3]);
    const log = buildScalarOption(card({ series: [{ ...card().series[0]!, values: [1, 0, -1, 2] }] }), { ...DEFAULT_SETTINGS, yScale: 'log', smoothing: 0 }, theme) as { series: Series[]; yAxis: { type: string } };
    expect(log.yAxis.type).toBe('log');
    expect(log.series[0]!.data.map((p) => p[1])).toEqual([1, null, null, 2]);
  });

  it('escapes names in the tooltip (they are user text)', () => {
    expect(escapeHtml('<img src=x onerror="a()">')).toBe('&lt;img src=x onerror=&quot;a()&quot;&gt;');
    const option = buildScalarOption(card(), DEFAULT_SETTINGS, theme) as { tooltip: { formatter: (p: unknown) => string } };
    const html = option.tooltip.formatter([{ axisValue: 0 }]);
    expect(html).toContain('run &lt;a&gt;');
    expect(html).not.toContain('<a>');
  });
});

describe('chart helpers', () => {
  it('ignores outliers: the y range covers the 5th to 95th percentile', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    values[99] = 1e9;
    const [lo, hi] = percentileRange(values)!;
    expect(hi).toBeLessThan(200);
    expect(lo).toBeLessThan(5);
    expect(percentileRange([NaN, Infinity])).toBeNull();
  });

  it('gives runs stable, distinct colours whatever the order', () => {
    const keys = Array.from({ length: 16 }, (_, i) => `store::run-${i}`);
    const a = assignRunColors(keys);
    const b = assignRunColors([...keys].reverse());
    for (const k of keys) expect(b.get(k)).toBe(a.get(k));
    expect(assignRunColors(keys.slice(0, 3)).get(keys[0]!)).toBe(assignRunColors([keys[0]!, 'other::x']).get(keys[0]!));
    expect(new Set(a.values()).size).toBe(RUN_PALETTE.length);
  });

  it('exports CSV with quoting and non-finite values spelled out', () => {
    expect(cardToCsv(card({ series: [{ ...card().series[0]!, label: 'a "b", c' }] }))).toBe(
      'run,metric,step,wall_time,value\n"a ""b"", c",train/loss,0,10,1\n"a ""b"", c",train/loss,1,11,NaN\n"a ""b"", c",train/loss,2,12,0.5\n"a ""b"", c",train/loss,3,13,-Infinity\n',
    );
  });
});

describe('nearestIndex', () => {
  it('finds the point nearest to the hovered x in each run, whatever its downsampling', async () => {
    const { nearestIndex } = await import('./scalarOption.js');
    expect(nearestIndex([0, 10, 20], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20], 16)).toBe(2);
    expect(nearestIndex([0, 10, 20], -5)).toBe(0);
    expect(nearestIndex([0, 10, 20], 99)).toBe(2);
    expect(nearestIndex([5], 0)).toBe(0);
  });
});
