// A job's ranks on the charts, as the trial user met them: the legend and tooltip say which line is
// which rank, and the mean's min-max band is visible (light and dark) and surrounds the line drawn.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, type ChartTheme, type RunSeries } from './chartTypes.js';
import { legendLines, meanOverRanks } from './ranks.js';
import { bandOpacity, buildExportOption, buildScalarOption, dashIcon, isDark } from './scalarOption.js';

const light: ChartTheme = { foreground: '#1f2328', muted: '#666', background: '#ffffff', grid: '#ddd', accent: '#00f', fontFamily: 'sans' };
const dark: ChartTheme = { ...light, foreground: '#ccc', background: 'rgb(30, 30, 30)' };
type Option = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

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
    const option = buildScalarOption({ key: 'loss', series: [rank(0, 1), rank(1, 1.2)] }, DEFAULT_SETTINGS, light) as Option;
    const html: string = option.tooltip.formatter([{ axisValue: 3 }]);
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
    const fill = (theme: ChartTheme) => (buildScalarOption({ key: 'loss', series: [mean] }, DEFAULT_SETTINGS, theme) as Option).series.find((s: { id: string }) => s.id === 's::job#mean:band').areaStyle.opacity;
    expect(fill(light)).toBeGreaterThanOrEqual(0.25);
    expect(fill(light)).toBeLessThanOrEqual(0.35);
    expect(fill(dark)).toBeGreaterThan(fill(light));
    expect(fill(dark)).toBeLessThanOrEqual(0.45);
    expect(bandOpacity(light)).toBe(fill(light));
  });

  it('surrounds the smoothed mean when smoothing is on', () => {
    const option = buildScalarOption({ key: 'loss', series: [mean] }, { ...DEFAULT_SETTINGS, smoothing: 0.6 }, light) as Option;
    const byId = (id: string) => option.series.find((s: { id: string }) => s.id === id).data.map((p: number[]) => p[1]);
    const [lower, height, line] = [byId('s::job#mean:band-lower'), byId('s::job#mean:band'), byId('s::job#mean:main')];
    line.forEach((y: number, i: number) => {
      expect(y).toBeGreaterThanOrEqual(lower[i] - 1e-12);
      expect(y).toBeLessThanOrEqual(lower[i] + height[i] + 1e-12);
    });
  });
});

describe('PNG export legend', () => {
  it("draws each rank's dash in the exported picture's legend", () => {
    const option = buildExportOption({ key: 'loss', series: [rank(0, 1), rank(1, 1.2)] }, DEFAULT_SETTINGS, light, 1) as Option;
    const [r0, r1] = option.legend.data;
    expect(r0.name).toBe('ddp toy [rank 0]');
    expect(r0.icon).toBeUndefined();
    expect(r1.name).toBe('ddp toy [rank 1]');
    expect(r1.icon).toBe('path://M0,0h6v2h-6zM9,0h6v2h-6zM18,0h6v2h-6z');
    expect(dashIcon([2, 2]).icon!.match(/M/g)).toHaveLength(6);
  });
});
