// Column names a user can tell apart: a param named as a metric, Runlane's own tags, clipped cells.
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@runlane/protocol';
import { buildColumns, cellText, cellTitle, cellValue, csvHeader, csvValue, exportValue, headerText, rowValues, searchText } from './columns.js';
import { toCsv, toMarkdown } from './exportTable.js';
import { compileFilter } from './filterExpr.js';

function run(id: string, params: Record<string, unknown>, loss: number | null, tags: Record<string, string> = {}): RunSummary {
  return {
    id, name: 'train', experiment: 'e', status: 'finished', kind: 'cell', created_at: 1, started_at: null, ended_at: null, duration: 10,
    notebook: null, cell_id: null, execution_count: null, params, tags, ranks: [], error: null, exit_code: null,
    metrics: loss === null ? {} : { loss: { count: 3, last: loss, min: loss, max: loss } },
  };
}

const runs = [run('a', { loss: 2.0, lr: 0.1 }, 0.123456789), run('b', { loss: 3.0, lr: 0.2 }, 0.5)];

describe('a param and a metric with one name', () => {
  it('heads the param column `loss (param)` and the metric `loss`, in the grid and the Columns menu', () => {
    const columns = buildColumns(runs);
    expect(columns.filter((c) => c.key === 'loss').map((c) => [c.id, headerText(c)])).toEqual([['param:loss', 'loss (param)'], ['metric:loss', 'loss']]);
    expect(columns.find((c) => c.id === 'param:lr')!.label).toBe('lr'); // no metric of that name: no mark
  });

  it('exports distinct CSV and Markdown headers', () => {
    const columns = buildColumns(runs).filter((c) => c.key === 'loss');
    const heads = columns.map((c) => ({ key: c.id, label: headerText(c) }));
    const rows = runs.map((r) => Object.fromEntries(columns.map((c) => [c.id, cellText(c, r)])));
    expect(toCsv(heads, rows).split(/\r?\n/)[0]).toBe('loss (param),loss');
    expect(toMarkdown(heads, rows).split('\n')[0]).toBe('| loss (param) | loss |');
  });

  // A new user's CSV had "10.0 s" in its duration column: text a spreadsheet or pandas cannot add up.
  it('gives the CSV a duration in seconds as a number, under "duration (s)"; Markdown keeps the table\'s text', () => {
    const duration = buildColumns(runs).find((c) => c.kind === 'duration')!;
    expect([csvHeader(duration), csvValue(duration, runs[0]!)]).toEqual(['duration (s)', 10]);
    expect([headerText(duration), exportValue(duration, runs[0]!)]).toEqual(['duration', cellText(duration, runs[0]!)]);
    const loss = buildColumns(runs).find((c) => c.id === 'metric:loss')!;
    expect([csvHeader(loss), csvValue(loss, runs[0]!)]).toEqual(['loss', 0.123456789]);
  });

  it('filters the metric by its bare name and the param as `params.loss`', () => {
    const names = new Set(buildColumns(runs).flatMap((c) => (c.kind === 'param' ? [c.key, `params.${c.key}`] : [c.key])));
    const pick = (text: string) => {
      const f = compileFilter(text, names);
      if (!f.ok) throw new Error(f.error);
      return runs.filter((r) => f.test(rowValues(r))).map((r) => r.id);
    };
    expect(pick('loss < 0.2')).toEqual(['a']);
    expect(pick('params.loss >= 3')).toEqual(['b']);
    expect(pick('params.lr == 0.1')).toEqual(['a']);
  });
});

describe('cell titles', () => {
  it('give a metric cell its unrounded value, other cells their whole text, an empty cell none', () => {
    const columns = buildColumns([...runs, run('c', {}, null)]);
    const metric = columns.find((c) => c.id === 'metric:loss')!;
    expect(cellText(metric, runs[0]!)).toBe('0.1235');
    expect(cellTitle(metric, runs[0]!)).toBe('0.123456789');
    expect(cellTitle(columns.find((c) => c.id === 'param:lr')!, runs[0]!)).toBe('0.1');
    expect(cellTitle(metric, run('c', {}, null))).toBe('');
  });
});

describe('the tags column', () => {
  const trial = run('t', {}, 1, { 'runlane.sweep': '20261130-101010-abcdef', 'runlane.sweep.trial': '5', 'runlane.pruned_step': '1', best: '' });

  it('leaves out Runlane\'s own tags, which every trial of a sweep shares', () => {
    const tags = buildColumns([trial]).find((c) => c.id === 'tags')!;
    expect(cellText(tags, trial)).toBe('best');
  });

  it('still finds a trial by its sweep id in search and the filter', () => {
    expect(searchText(trial)).toContain('20261130-101010-abcdef');
    expect(rowValues(trial).tags).toContain('runlane.sweep.trial=5');
  });
});

describe('a param or metric named as a built-in column', () => {
  const job = { ...run('j', { target: 'moons', lr: 0.12574345574288495 }, 0.5), kind: 'job' as const, metrics: { status: { count: 1, last: 1, min: 1, max: 1 } } };

  it('heads them `target (param)` and `status (metric)` beside the built-in `target` and `status`, in the grid and the exports', () => {
    const columns = buildColumns([job]);
    const heads = columns.map((c) => ({ key: c.id, label: headerText(c) }));
    expect(heads.filter((h) => h.label.startsWith('target') || h.label.startsWith('status')).map((h) => h.label)).toEqual(['status', 'target', 'target (param)', 'status (metric)']);
    expect(new Set(heads.map((h) => h.label)).size).toBe(heads.length);
    const rows = [Object.fromEntries(columns.map((c) => [c.id, exportValue(c, job)]))];
    expect(toCsv(heads, rows).split(/\r?\n/)[0]).toContain(',target,tags,note,lr,target (param),status (metric)');
    expect(toMarkdown(heads, rows).split('\n')[0]).toContain('| target | tags | note | lr | target (param) | status (metric) |');
  });

  it('leaves the bare name to the built-in in a filter; the param is `params.target`', () => {
    const values = rowValues(job);
    expect(values.target).toBe(cellValue(buildColumns([job]).find((c) => c.id === 'target')!, job));
    expect(values['params.target']).toBe('moons');
    expect(values.status).toBe('finished');
    expect(values['status.last']).toBe(1);
  });
});

describe('param cells', () => {
  it('show a number in the one 4-significant-digit format; the tooltip and the exports keep it whole', () => {
    const r = run('p', { lr: 0.12574345574288495, layers: 3, act: 'relu', tiny: 0.00023456789 }, null);
    const byKey = (k: string) => buildColumns([r]).find((c) => c.id === `param:${k}`)!;
    expect(cellText(byKey('lr'), r)).toBe('0.1257');
    expect(cellText(byKey('layers'), r)).toBe('3');
    expect(cellText(byKey('tiny'), r)).toBe('0.0002346');
    expect(cellText(byKey('act'), r)).toBe('relu');
    expect(cellTitle(byKey('lr'), r)).toBe('0.12574345574288495');
    expect(exportValue(byKey('lr'), r)).toBe('0.12574345574288495');
  });
});
