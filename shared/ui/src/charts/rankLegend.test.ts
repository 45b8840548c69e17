// A job's ranks on the charts, as the trial user met them: the legend and tooltip say which line is
// which rank, and the mean's min-max band is visible (light and dark) and surrounds the line drawn.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type ChartTheme, type RunSeries } from './chartTypes.js';
import { legendLines, meanOverRanks } from './ranks.js';
import { bandOpacity, buildExportOption, buildScalarOption, dashIcon, isDark } from './scalarOption.js';

const light: ChartTheme = { foreground: '#1f2328', muted: '#666', background: '#ffffff', grid: '#ddd', accent: '#00f', fontFamily: 'sans' };
const dark: ChartTheme = { ...light, foreground: '#ccc', background: 'rgb(30, 30, 30)' };
/** The parts of a built option these tests read (ECharts types an option's fields as unknown). */
interface Option {
  tooltip: { formatter: (params: { axisValue: number }[]) => string };
  series: { id: string; data: number[][]; areaStyle?: { opacity: number } }[];
  legend: { data: { name: string; icon?: string }[] };
}
const view = (option: unknown) => option as Option;
const seriesById = (option: Option, id: string) => {
  const found = option.series.find((s) => s.id === id);
  if (!found) throw new Error(`no series ${id}`);
  return found;
};

const steps = Array.from({ length: 40 }, (_, i) => i);
const rank = (r: number, scale: number): RunSeries => ({
  runKey: `s::job#${r}`, label: `ddp toy [rank ${r}]`, color: '#0072B2', rank: r, steps, times: steps, values: steps.map((s) => scale * Math.exp(-s / 5) + 0.05 * r),
});

describe('rank legend', () => {
  it('names every rank with its dash, and the mean with its band', () => {
    expect(legendLines('ddp toy', [0, 1], 'all')).toEqual([
      { label: 'ddp toy [rank 0]', dash: 'solid', band: false },
      { label: 'ddp toy [rank 1]', dash: [6, 3], band: false },
    ]);
    expect(legendLines('ddp toy', [0, 1], 'mean')).toEqual([{ label: 'ddp toy [mean of 2 ranks]', dash: 'solid', band: true }]);
    expect(legendLines('ddp toy', [0, 1], 'primary')).toEqual([{ label: 'ddp toy', dash: 'solid', band: false }]);
    expect(legendLines('baseline', [], 'all')).toEqual([{ label: 'baseline', dash: 'solid', band: false }]);
  });

  it("names the rank in the tooltip and draws the rank's dash beside it", () => {
    const option = view(buildScalarOption({ key: 'loss', series: [rank(0, 1), rank(1, 1.2)] }, DEFAULT_SETTINGS, light));
    const html = option.tooltip.formatter([{ axisValue: 3 }]);
    expect(html).toContain('ddp toy [rank 0]');
    expect(html).toContain('ddp toy [rank 1]');
    expect(html).toContain('stroke-dasharray="6 3"');
  });
});

describe('mean band', () => {
  const mean = meanOverRanks([rank(0, 1), rank(1, 1.4)], 's::job#mean', 'ddp toy', '#0072B2');

  it('is clearly visible but light, more opaque on a dark background', () => {
    expect(isDark('#ffffff')).toBe(false);
    expect(isDark('rgb(30, 30, 30)')).toBe(true);
    expect(isDark('#111')).toBe(true);
    const fill = (theme: ChartTheme) => seriesById(view(buildScalarOption({ key: 'loss', series: [mean] }, DEFAULT_SETTINGS, theme)), 's::job#mean:band').areaStyle?.opacity ?? 0;
    expect(fill(light)).toBeGreaterThanOrEqual(0.25);
    expect(fill(light)).toBeLessThanOrEqual(0.35);
    expect(fill(dark)).toBeGreaterThan(fill(light));
    expect(fill(dark)).toBeLessThanOrEqual(0.45);
    expect(bandOpacity(light)).toBe(fill(light));
  });

  it('surrounds the smoothed mean when smoothing is on', () => {
    const option = view(buildScalarOption({ key: 'loss', series: [mean] }, { ...DEFAULT_SETTINGS, smoothing: 0.6 }, light));
    const byId = (id: string) => seriesById(option, id).data.map((p) => p[1] ?? NaN);
    const [lower, height, line] = [byId('s::job#mean:band-lower'), byId('s::job#mean:band'), byId('s::job#mean:main')];
    expect(line.length).toBeGreaterThan(0);
    line.forEach((y, i) => {
      expect(y).toBeGreaterThanOrEqual((lower[i] ?? NaN) - 1e-12);
      expect(y).toBeLessThanOrEqual((lower[i] ?? NaN) + (height[i] ?? NaN) + 1e-12);
    });
  });
});

describe('PNG export legend', () => {
  it("draws each rank's dash in the exported picture's legend", () => {
    const option = view(buildExportOption({ key: 'loss', series: [rank(0, 1), rank(1, 1.2)] }, DEFAULT_SETTINGS, light, 1));
    const [r0, r1] = option.legend.data;
    expect(r0?.name).toBe('ddp toy [rank 0]');
    expect(r0?.icon).toBeUndefined();
    expect(r1?.name).toBe('ddp toy [rank 1]');
    expect(r1?.icon).toBe('path://M0,0h6v2h-6zM9,0h6v2h-6zM18,0h6v2h-6z');
    expect(dashIcon([2, 2]).icon!.match(/M/g)).toHaveLength(6);
  });
});
