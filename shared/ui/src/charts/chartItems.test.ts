// Issue 10's chart items, one block each, on the pure builders (the e2e test drives the same in Chromium).
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@runlane/protocol';
import { buildCompareRows, buildParallelOption, parallelParams } from '../views/compareRows.js';
import { legendRows } from './chartCard.js';
import { packSpans, resizedSize } from './cardResize.js';
import { chartsTitle } from './chartsTitle.js';
import { DEFAULT_SETTINGS, type CardData, type ChartTheme, type RunSeries } from './chartTypes.js';
import { formatValue } from './numberFormat.js';
import { parseState } from './panelState.js';
import { meanOverRanks, rankLabel } from './ranks.js';
import { buildExportOption, buildScalarOption, xExtent } from './scalarOption.js';
import { statusColor, statusPillCss } from './statusColors.js';

const theme: ChartTheme = { foreground: '#000', muted: '#666', background: '#fff', grid: '#ddd', accent: '#00f', fontFamily: 'sans' };

function line(overrides: Partial<RunSeries> = {}): RunSeries {
  return { runKey: 's::a', label: 'a', color: '#123456', steps: [0, 1, 2, 3], times: [10, 11, 12, 13], values: [2.3, 1.1, 0.6, 0.5], ...overrides };
}
const card = (...series: RunSeries[]): CardData => ({ key: 'train/loss', series });

/** The parts of a built option these tests read (ECharts types an option's fields as unknown). */
interface Option {
  xAxis: { min?: number; max?: number };
  yAxis: { max?: number; axisLabel: { formatter: (value: number) => string } };
  tooltip: { formatter: (params: { axisValue: number }[]) => string };
  title: { text: string };
  legend: { data: { name: string }[]; top: number };
  grid: { top: number };
  dataZoom: unknown[];
  series: { id: string; type: string; showSymbol?: boolean; data: number[][]; areaStyle?: { opacity: number }; lineStyle?: { type: unknown } }[];
  parallel: { left: number; right: number };
  parallelAxis: { name: string; scale?: boolean; nameTextStyle: { width: number; overflow: string } }[];
}
const view = (option: unknown) => option as Option;

function run(overrides: Partial<RunSummary>): RunSummary {
  return {
    id: 'r', name: 'r', experiment: 'e', status: 'finished', kind: 'cell', created_at: 0, started_at: 0, ended_at: 1, duration: 1,
    notebook: null, cell_id: null, execution_count: null, params: {}, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null, ...overrides,
  };
}

describe('1. resizable cards', () => {
  it('turns a drag into a column span and a height, within the grid and sane heights', () => {
    // 3 columns of 400 px with 10 px gaps: dragging 410 px right widens by one column.
    expect(resizedSize({ width: 400, height: 240 }, 410, 100, 1220, 3)).toEqual({ span: 2, height: 340 });
    expect(resizedSize({ width: 400, height: 240 }, 5000, -1000, 1220, 3)).toEqual({ span: 3, height: 160 });
    expect(resizedSize({ width: 810, height: 240 }, -300, 0, 1220, 3)).toEqual({ span: 1, height: 240 });
  });

  it('packs the rows around a widened card, and leaves a grid of default cards to the browser', () => {
    expect(packSpans([3, 1], 3)).toEqual([3, 3]);
    expect(packSpans([1, 2, 2], 3)).toEqual([1, 2, 3]);
    expect(packSpans([2, 5, 1], 3)).toEqual([3, 3, 3]);
    expect(packSpans([1, 1, 1, 1], 3)).toEqual([1, 1, 1, 1]);
  });

  it('keeps card sizes and choices read back from storage, dropping what is malformed', () => {
    const state = parseState({ choices: { ignoreOutliers: true, ranks: 'mean', smoothing: 7, xAxis: 'x' }, cards: { 'train/loss': { span: 2, height: 5000 }, bad: { span: 0, height: 1 } } });
    expect(state).toEqual({ choices: { ignoreOutliers: true, ranks: 'mean' }, cards: { 'train/loss': { span: 2, height: 1200 } } });
    expect(parseState('garbage')).toEqual({ choices: {}, cards: {} });
  });
});

describe('2. the x axis ends where the data ends', () => {
  it('bounds the axis by the first and last x of every run', () => {
    const option = view(buildScalarOption(card(line({ steps: [0, 10, 1490] , values: [1, 2, 3], times: [1, 2, 3] }), line({ runKey: 's::b', steps: [5, 900], values: [1, 2], times: [1, 2] })), DEFAULT_SETTINGS, theme));
    expect([option.xAxis.min, option.xAxis.max]).toEqual([0, 1490]);
    expect(xExtent(card(line({ steps: [4], values: [1], times: [1] })), 'step')).toBeNull();
    const rel = view(buildScalarOption(card(line()), { ...DEFAULT_SETTINGS, xAxis: 'relative' }, theme));
    expect([rel.xAxis.min, rel.xAxis.max]).toEqual([0, 3]);
  });

  it('draws a series of one point as a dot (a line of one point was an empty card until hovered)', () => {
    const option = view(buildScalarOption(card(line({ steps: [4], values: [0.9], times: [1] }), line({ runKey: 's::b' })), DEFAULT_SETTINGS, theme));
    const mains = option.series.filter((x) => x.id.endsWith(':main'));
    expect(mains.map((x) => x.showSymbol)).toEqual([true, false]);
  });
});

describe('3. one precision for every number', () => {
  it('formats with 4 significant digits, exponents only for very small or large values', () => {
    expect([0.23456, 0.1 + 0.2, 1234.5, 1.5e-5, 2e6, 99999.9, 0, NaN, -Infinity].map(formatValue)).toEqual(['0.2346', '0.3', '1235', '1.5e-5', '2e+6', '1e+5', '0', 'NaN', '-Inf']);
  });

  it('uses it on the y axis, in the tooltip and in the compare table alike', () => {
    const option = view(buildScalarOption(card(line({ values: [0.123456, 0.123456, 0.123456, 0.123456] })), { ...DEFAULT_SETTINGS, smoothing: 0 }, theme));
    expect(option.yAxis.axisLabel.formatter(0.123456)).toBe('0.1235');
    expect(option.tooltip.formatter([{ axisValue: 1 }])).toContain('<b>0.1235</b>');
    const rows = buildCompareRows([run({ metrics: { loss: { count: 1, last: 0.123456, min: 0.123456, max: 0.123456 } } }), run({ id: 'q' })]);
    expect(rows[0]!.cells[0]).toBe('0.1235');
    const inf = buildCompareRows([run({ metrics: { loss: { count: 1, last: 'Infinity', min: '-Infinity', max: 'NaN' } } }), run({ id: 'q' })]);
    expect(inf.map((r) => r.cells[0])).toEqual(['+Inf', '-Inf', 'NaN']);
  });
});

describe('4. the tooltip says which value is smoothed', () => {
  it('labels the smoothed and the raw column, or says value without smoothing', () => {
    const html = view(buildScalarOption(card(line()), DEFAULT_SETTINGS, theme)).tooltip.formatter([{ axisValue: 2 }]);
    expect(html).toMatch(/<th[^>]*>smoothed<\/th><th[^>]*>raw<\/th>/);
    expect(html).toContain('>0.6<'); // the raw value at step 2
    const plain = view(buildScalarOption(card(line()), { ...DEFAULT_SETTINGS, smoothing: 0 }, theme)).tooltip.formatter([{ axisValue: 2 }]);
    expect(plain).not.toContain('smoothed');
    expect(plain).toContain('>value<');
  });
});

describe('5. PNG exports carry the title and the legend', () => {
  it('adds the metric as title and every line to a legend, above the plot', () => {
    const option = view(buildExportOption(card(line({ label: 'baseline · a1b2c3' }), line({ runKey: 's::b', label: 'wide' })), DEFAULT_SETTINGS, theme, 1));
    expect(option.title.text).toBe('train/loss');
    expect(option.legend.data.map((d) => d.name)).toEqual(['baseline · a1b2c3', 'wide']);
    expect(option.grid.top).toBeGreaterThan(option.legend.top);
    expect(option.dataZoom).toEqual([]);
    expect(legendRows(['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(40)], 400)).toBe(3);
    expect(legendRows(['a', 'b'], 400)).toBe(1);
  });
});

describe('6. parallel coordinates', () => {
  const runs = [
    run({ id: 'a', params: { lr: 0.1, seed: 1, hidden: 64, a_very_long_parameter_name_for_the_first_axis: 1 }, metrics: { 'validation/accuracy_top1': { count: 1, last: 0.91, min: 0, max: 1 } } }),
    run({ id: 'b', params: { lr: 0.01, seed: 1, hidden: 64, a_very_long_parameter_name_for_the_first_axis: 2 }, metrics: { 'validation/accuracy_top1': { count: 1, last: 0.95, min: 0, max: 1 } } }),
  ];
  it('skips params that are the same in every run', () => {
    expect(parallelParams(runs)).toEqual(['a_very_long_parameter_name_for_the_first_axis', 'lr']);
  });

  it('leaves room for the first and last axis names and wraps names to the room between axes', () => {
    const option = view(buildParallelOption(runs, 'validation/accuracy_top1', new Map(), () => '', theme, 700));
    const names = option.parallelAxis.map((a) => a.name);
    expect(names).toEqual(['a_very_long_parameter_name_for_the_first_axis', 'lr', 'validation/accuracy_top1 (last)']);
    expect(option.parallel.left * 2).toBeGreaterThanOrEqual(Math.min(names[0]!.length * 7, 700 / 2));
    expect(option.parallel.right * 2).toBeGreaterThanOrEqual(Math.min(names[2]!.length * 7, 700 / 2));
    const room = option.parallelAxis[0]?.nameTextStyle.width ?? NaN;
    expect(room).toBeLessThanOrEqual((700 - option.parallel.left - option.parallel.right) / 2);
    expect(option.parallelAxis[0]?.nameTextStyle.overflow).toBe('break');
  });

  it('spans each axis over its values, not from 0 (final losses of 0.68-0.70 fell on one point)', () => {
    const option = view(buildParallelOption(runs, 'validation/accuracy_top1', new Map(), () => '', theme, 700));
    expect(option.parallelAxis.map((a) => a.scale)).toEqual([true, true, true]);
  });
});

describe('7. status colours', () => {
  it('gives interrupted and cancelled their own colours, in the pills too', () => {
    expect(statusColor('interrupted')).not.toBe(statusColor('cancelled'));
    expect(statusPillCss()).toContain(`.rl-status-cancelled { background: ${statusColor('cancelled')}; }`);
    expect(statusPillCss()).toContain(`.rl-status-interrupted { background: ${statusColor('interrupted')}; }`);
  });
});

describe('8. ignore outliers is off by default', () => {
  it('keeps a loss curve whole: the y range reaches its first point', () => {
    const values = Array.from({ length: 100 }, (_, i) => 0.1 + 2.2 * Math.exp(-i / 5)); // starts at 2.3
    const steps = values.map((_, i) => i);
    expect(DEFAULT_SETTINGS.ignoreOutliers).toBe(false);
    const option = view(buildScalarOption(card(line({ steps, times: steps, values })), DEFAULT_SETTINGS, theme));
    expect(option.yAxis.max).toBeUndefined(); // echarts fits the whole data
    const cut = view(buildScalarOption(card(line({ steps, times: steps, values })), { ...DEFAULT_SETTINGS, ignoreOutliers: true }, theme));
    expect(cut.yAxis.max).toBeLessThan(2.3); // what users saw before
  });
});

describe('9. ranks', () => {
  const r0 = line({ runKey: 's::a#0', steps: [0, 1, 2], times: [1, 2, 3], values: [1, 2, 3], rank: 0 });
  const r1 = line({ runKey: 's::a#1', steps: [0, 1, 3], times: [1, 2, 4], values: [3, NaN, 5], rank: 1 });
  it('folds ranks into a mean with its min-max band, between points on straight lines', () => {
    const mean = meanOverRanks([r0, r1], 's::a#mean', 'job', '#f00');
    expect(mean.steps).toEqual([0, 1, 2, 3]);
    // step 1: rank 1 is NaN there (left out); step 2: rank 1 has no point, and NaN beside it; step 3: rank 1 only
    expect(mean.values).toEqual([2, 2, 3, 5]);
    expect(mean.band).toEqual({ lower: [1, 2, 3, 5], upper: [3, 2, 3, 5] });
    // Downsampled ranks rarely share steps: rank b at step 5 is read on its line from 0 to 10.
    const a = line({ steps: [0, 5, 10], times: [0, 5, 10], values: [1, 1, 1] });
    const b = line({ steps: [0, 10], times: [0, 10], values: [2, 4] });
    const ab = meanOverRanks([a, b], 'k', 'job', '#f00');
    expect(ab.values).toEqual([1.5, 2, 2.5]);
    expect(ab.band).toEqual({ lower: [1, 1, 1], upper: [2, 3, 4] });
    expect(mean.label).toBe('job [mean of 2 ranks]');
    expect(rankLabel('job', 1)).toBe('job [rank 1]');
  });

  it('draws a band under the mean and dashes the lines of ranks after 0', () => {
    const mean = meanOverRanks([r0, r1], 's::a#mean', 'job', '#f00');
    const option = view(buildScalarOption(card(mean), { ...DEFAULT_SETTINGS, smoothing: 0 }, theme));
    const band = option.series.find((s) => s.id === 's::a#mean:band');
    expect(band?.areaStyle?.opacity).toBeGreaterThan(0);
    expect(band?.data.map((p) => p[1])).toEqual([2, 0, 0, 0]);
    const ranks = view(buildScalarOption(card(r0, r1), { ...DEFAULT_SETTINGS, smoothing: 0 }, theme));
    const lines = ranks.series.filter((s) => s.type === 'line');
    expect(lines.map((s) => s.lineStyle?.type)).toEqual(['solid', [6, 3]]);
  });
});

describe('10. runs with the same name', () => {
  it('titles a charts tab by its runs, with a short id where names repeat', () => {
    const a = { id: '20260101-000000-a1b2c3', name: 'baseline' };
    const b = { id: '20260101-000001-d4e5f6', name: 'baseline' };
    const c = { id: '20260101-000002-0f0f0f', name: 'lr=0.1' };
    expect(chartsTitle([a, c], [a, b, c])).toBe('Charts: baseline · a1b2c3, lr=0.1');
    expect(chartsTitle([a, b])).toBe('Charts: baseline · a1b2c3, baseline · d4e5f6');
    expect(chartsTitle(null)).toBe('Charts: all runs');
    const many = Array.from({ length: 5 }, (_, i) => ({ id: `x${i}`, name: `sweep lr=${i}` }));
    expect(chartsTitle(many)).toBe('Charts: 5 runs (sweep lr=0, sweep lr=1, …)');
    expect(chartsTitle(many).length).toBeLessThanOrEqual(48);
  });
});

describe('3. axis labels', () => {
  it('use one notation per axis, chosen by its largest value', async () => {
    const { formatTick } = await import('./numberFormat.js');
    expect([0.0012, 0.001, 0.0008, 0].map((v) => formatTick(v, 0.0012))).toEqual(['0.0012', '0.001', '0.0008', '0']);
    expect([4e-4, 2e-4].map((v) => formatTick(v, 4e-4))).toEqual(['4e-4', '2e-4']);
    const option = view(buildScalarOption(card(line({ values: [0.001, 0.0005, 0.0002, 0.0001] })), DEFAULT_SETTINGS, theme));
    expect(option.yAxis.axisLabel.formatter(0.0008)).toBe('0.0008');
  });

  it('tell apart the ticks of a nearly flat series (a CPU chart read "4.6" on all eight ticks)', () => {
    const flat = view(buildScalarOption(card(line({ values: [4.6001, 4.6004, 4.6007] })), DEFAULT_SETTINGS, theme));
    const ticks = [4.6001, 4.6002, 4.6003, 4.6004].map((v) => flat.yAxis.axisLabel.formatter(v));
    expect(ticks).toEqual(['4.6001', '4.6002', '4.6003', '4.6004']);
    // A series that spans its magnitude keeps 4 digits.
    const wide = view(buildScalarOption(card(line({ values: [0.1234567, 0.9] })), DEFAULT_SETTINGS, theme));
    expect(wide.yAxis.axisLabel.formatter(0.1234567)).toBe('0.1235');
  });
});

describe('long live series', () => {
  it('draws a series that grew live past a million points', () => {
    const n = 1_000_000;
    const steps = Array.from({ length: n }, (_, i) => i);
    const values = steps.map((i) => 1 / (1 + i));
    expect(() => buildScalarOption(card(line({ steps, times: steps, values })), { ...DEFAULT_SETTINGS, smoothing: 0 }, theme)).not.toThrow();
  });
});
