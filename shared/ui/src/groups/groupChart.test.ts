import { describe, expect, it } from 'vitest';
import type { RunSeries } from '../charts/chartTypes.js';
import { DEFAULT_SETTINGS } from '../charts/chartTypes.js';
import { buildScalarOption } from '../charts/scalarOption.js';
import { smoothTensorBoard } from '../charts/smoothing.js';
import { cardToCsv } from '../charts/csv.js';
import { groupCardSeries, meanStdOverRanks, type GroupLineCache } from './groupChart.js';
import type { RunGroup } from './groupRuns.js';

const theme = { foreground: '#000', muted: '#666', background: '#fff', grid: '#ddd', accent: '#00f', fontFamily: 'sans-serif' };

function member(rk: string, values: number[]): RunSeries {
  return { runKey: rk, label: rk, color: '#123456', steps: values.map((_, i) => i * 10), times: values.map((_, i) => 100 + i), values, rank: null };
}

const byRun = new Map([['a', member('a', [4, 2, 1])], ['b', member('b', [6, 4, 3])], ['c', member('c', [9, 9])]]);
const groups: RunGroup[] = [{ key: 'g1', label: 'lr=0.1', members: ['a', 'b'] }, { key: 'g2', label: 'lr=1', members: ['c', 'gone'] }];
const opts = { smoothing: 0, band: 'minmax' as const, expanded: new Set<string>(), colors: new Map([['g1', '#ff0000']]), labels: new Map([['a', 'run a']]) };

type Line = { id: string; data: [number, number | null][]; lineStyle?: { opacity?: number } };

describe('groupCardSeries', () => {
  it('draws one line per group, the mean inside its band, skipping members without the key', () => {
    const series = groupCardSeries(groups, byRun, opts);
    expect(series.map((s) => s.label)).toEqual(['lr=0.1 [mean of 2 runs]', 'lr=1 [1 run]']);
    expect(series[0]).toMatchObject({ runKey: 'group:g1', color: '#ff0000', values: [5, 3, 2], band: { lower: [4, 2, 1], upper: [6, 4, 3] } });
    const lines = buildScalarOption({ key: 'loss', series }, { ...DEFAULT_SETTINGS, smoothing: 0 }, theme).series as Line[];
    expect(lines.find((l) => l.id === 'group:g1:band')!.data.map((p) => p[1])).toEqual([2, 2, 2]); // band height on the stacked lower line
  });

  it('smooths members before the mean; the chart does not smooth the mean again, its faint line is the raw mean', () => {
    const series = groupCardSeries(groups, byRun, { ...opts, smoothing: 0.6 });
    const [sa, sb] = [smoothTensorBoard([4, 2, 1], 0.6), smoothTensorBoard([6, 4, 3], 0.6)];
    const lines = buildScalarOption({ key: 'loss', series }, { ...DEFAULT_SETTINGS, smoothing: 0.6 }, theme).series as Line[];
    const main = lines.find((l) => l.id === 'group:g1:main')!.data.map((p) => p[1]!);
    main.forEach((v, i) => expect(v).toBeCloseTo((sa[i]! + sb[i]!) / 2, 12));
    expect(lines.find((l) => l.id === 'group:g1:raw')!.data.map((p) => p[1])).toEqual([5, 3, 2]);
    expect(cardToCsv({ key: 'loss', series }).split('\n')[1]).toBe('lr=0.1 [mean of 2 runs],loss,0,100,5');
  });

  it("draws an expanded group's members thin and translucent in the group's colour", () => {
    const series = groupCardSeries(groups, byRun, { ...opts, expanded: new Set(['g1']) });
    expect(series.map((s) => [s.label, s.color, s.member ?? false])).toEqual([
      ['lr=0.1 [mean of 2 runs]', '#ff0000', false], ['run a', '#ff0000', true], ['b', '#ff0000', true], ['lr=1 [1 run]', '#888', false],
    ]);
    const lines = buildScalarOption({ key: 'loss', series }, { ...DEFAULT_SETTINGS, smoothing: 0.6 }, theme).series as Line[];
    expect(lines.find((l) => l.id === 'group:g1:a:main')!.lineStyle!.opacity).toBe(0.5);
    expect(lines.some((l) => l.id === 'group:g1:a:raw')).toBe(false);
  });

  it("gives a job's ranks a ±std band", () => {
    const s = meanStdOverRanks([member('r0', [1, 3]), member('r1', [3, 5])], 'x#mean', 'job', '#000');
    expect(s).toMatchObject({ label: 'job [mean of 2 ranks]', values: [2, 4], band: { lower: [1, 3], upper: [3, 5] } });
  });
});

describe('the tooltip of a group', () => {
  it('heads the band column with the band drawn, and gives the raw mean beside the smoothed one', () => {
    const series = groupCardSeries(groups, byRun, { ...opts, smoothing: 0.6, band: 'std' });
    const option = buildScalarOption({ key: 'loss', series }, { ...DEFAULT_SETTINGS, smoothing: 0.6 }, theme) as { tooltip: { formatter: (p: unknown) => string } };
    const html = option.tooltip.formatter([{ axisValue: 0 }]);
    expect(html).toContain('mean ± 1 std');
    expect(html).toContain('lr=0.1 [mean of 2 runs]');
    expect(html).toMatch(/<b>5<\/b><\/td><td[^>]*>5<\/td>/); // smoothed and raw mean of 4 and 6 at the first step
  });
});

describe('group lines reused', () => {
  it('aggregates again only the group whose member got points', () => {
    const series = new Map([['a', member('a', [4, 2, 1])], ['b', member('b', [6, 4, 3])], ['c', member('c', [9, 9])]]);
    const cache: GroupLineCache = new Map();
    const first = groupCardSeries(groups, series, { ...opts, cache });
    const again = groupCardSeries(groups, series, { ...opts, cache });
    expect(again[0]).toBe(first[0]);
    series.get('c')!.values.push(7); // a live point of run c (group g2)
    series.get('c')!.steps.push(20);
    series.get('c')!.times.push(102);
    const live = groupCardSeries(groups, series, { ...opts, cache });
    expect(live[0]).toBe(first[0]);
    expect(live[1]).not.toBe(first[1]);
    expect(live[1]!.values).toEqual([9, 9, 7]);
    expect(groupCardSeries(groups, series, { ...opts, cache, band: 'std' })[0]).not.toBe(first[0]);
  });

  it("draws a sweep's run with its trials, averaging it only where no trial logged the key", () => {
    const sweep: RunGroup[] = [{ key: 'sweep:sw', label: 'lr search', members: ['sw', 'a', 'b'], head: 'sw' }];
    const expanded = { ...opts, expanded: new Set(['sweep:sw']) };
    const loss = groupCardSeries(sweep, new Map([...byRun, ['sw', member('sw', [50, 50, 50])]]), expanded);
    expect(loss[0]).toMatchObject({ label: 'lr search [mean of 2 runs]', values: [5, 3, 2] });
    expect(loss.slice(1).map((s) => s.runKey)).toEqual(['group:sweep:sw:sw', 'group:sweep:sw:a', 'group:sweep:sw:b']);
    const best = groupCardSeries(sweep, new Map([['sw', member('sw', [4, 2])]]), opts);
    expect(best[0]).toMatchObject({ label: 'lr search [1 run]', values: [4, 2] });
  });
});
