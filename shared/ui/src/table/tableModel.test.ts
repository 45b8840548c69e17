import { describe, expect, it } from 'vitest';
import type { RunSummary } from '@runlane/protocol';
import { buildColumns, cellText, cellValue, rowValues } from './columns.js';
import { compareCells, runRow, sortRows, topRuns } from './rowModel.js';
import { Selection } from './selection.js';
import { emptyState, layoutColumns, moveColumn, parseTableState } from './tableState.js';
import { columnOffsets, columnWindow, rowWindow } from './virtualWindow.js';

function run(id: string, params: Record<string, unknown>, metrics: Record<string, [number, number, number]>, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id, name: `run ${id}`, experiment: 'e', status: 'finished', kind: 'cell', created_at: Number(id.replace(/\D/g, '')) || 0, started_at: null, ended_at: null, duration: 10,
    notebook: null, cell_id: null, execution_count: null, params, tags: {}, ranks: [], error: null, exit_code: null,
    metrics: Object.fromEntries(Object.entries(metrics).map(([k, [last, min, max]]) => [k, { count: 3, last, min, max }])),
    ...extra,
  };
}

const runs = [
  run('r1', { lr: 0.1, opt: 'adam' }, { 'val/loss': [0.5, 0.3, 0.9] }),
  run('r2', { lr: 0.01 }, { 'val/loss': [0.2, 0.2, 0.8], acc: [0.9, 0.1, 0.9] }, { tags: { best: '' } }),
  run('r3', { lr: { $float: 'NaN' }, opt: 'sgd' }, {}),
];
const rows = runs.map((r) => runRow({ source: 's', id: r.id }, r));

describe('runs table columns', () => {
  it('has the fixed columns, then every param and metric by key', () => {
    expect(buildColumns(runs).map((c) => c.id)).toEqual(['status', 'name', 'duration', 'target', 'tags', 'note', 'param:lr', 'param:opt', 'metric:acc', 'metric:val/loss']);
  });

  it('reads a metric column as its last, min or max; a missing value is null and blank', () => {
    const loss = buildColumns(runs).find((c) => c.id === 'metric:val/loss')!;
    expect([cellValue(loss, runs[0]!, 'last'), cellValue(loss, runs[0]!, 'min'), cellValue(loss, runs[0]!, 'max')]).toEqual([0.5, 0.3, 0.9]);
    expect(cellValue(loss, runs[2]!)).toBeNull();
    expect(cellText(loss, runs[2]!)).toBe('');
    const lr = buildColumns(runs).find((c) => c.id === 'param:lr')!;
    expect(cellText(lr, runs[2]!)).toBe('NaN');
  });

  it('shows a run\'s note in the note column, blank without one', () => {
    const note = buildColumns(runs).find((c) => c.id === 'note')!;
    expect(cellText(note, { ...runs[0]!, note: 'lr looks high' })).toBe('lr looks high');
    expect(cellText(note, runs[0]!)).toBe('');
  });

  it('gives the filter every column by name, a metric also as .min/.max, tags as a list', () => {
    const v = rowValues(runs[1]!);
    expect(v['val/loss']).toBe(0.2);
    expect(v['val/loss.min']).toBe(0.2);
    expect(v['val/loss.max']).toBe(0.8);
    expect(v.lr).toBe(0.01);
    expect(v.tags).toEqual(['best']);
  });
});

describe('runs table sort', () => {
  it('sorts numbers either way with missing values last in both orders', () => {
    const loss = buildColumns(runs).find((c) => c.id === 'metric:val/loss')!;
    expect(sortRows(rows, loss, 'asc').map((r) => r.run.id)).toEqual(['r2', 'r1', 'r3']);
    expect(sortRows(rows, loss, 'desc').map((r) => r.run.id)).toEqual(['r1', 'r2', 'r3']);
    expect(sortRows(rows, loss, 'desc', 'min').map((r) => r.run.id)).toEqual(['r1', 'r2', 'r3']);
    expect(sortRows(rows, loss, 'asc', 'max').map((r) => r.run.id)).toEqual(['r2', 'r1', 'r3']);
  });

  it('sorts text naturally and puts NaN after numbers', () => {
    expect(compareCells('run 2', 'run 10', 'asc')).toBeLessThan(0);
    const lr = buildColumns(runs).find((c) => c.id === 'param:lr')!;
    expect(sortRows(rows, lr, 'asc').map((r) => r.run.id)).toEqual(['r2', 'r1', 'r3']);
  });

  it('selects the top N by a metric: lowest first for a loss, highest for accuracy', () => {
    expect(topRuns(rows, 'val/loss', 1)).toEqual(['s::r2']);
    expect(topRuns(rows, 'acc', 5)).toEqual(['s::r2']);
  });
});

describe('runs table layout', () => {
  const all = buildColumns(runs);
  it('pins name by default, hides and orders columns, appends new ones', () => {
    const state = { ...emptyState(), hidden: ['note'], order: ['metric:val/loss', 'status'] };
    const { pinned, scrolling } = layoutColumns(all, state);
    expect(pinned.map((c) => c.id)).toEqual(['name']);
    expect(scrolling.map((c) => c.id)).toEqual(['metric:val/loss', 'status', 'duration', 'target', 'tags', 'param:lr', 'param:opt', 'metric:acc']);
  });

  it('moves a column before another', () => {
    const moved = moveColumn(emptyState(), all, 'metric:acc', 'status');
    expect(layoutColumns(all, moved).scrolling.map((c) => c.id).slice(0, 2)).toEqual(['metric:acc', 'status']);
  });

  it('keeps only what is well-formed of a stored state', () => {
    const s = parseTableState({ order: ['a', 3], widths: { a: 5, b: 'x', c: 5000 }, fields: { m: 'min', n: 'avg' }, sort: { column: 'a', order: 'up' } });
    expect(s.order).toEqual(['a']);
    expect(s.widths).toEqual({ a: 48, c: 800 });
    expect(s.fields).toEqual({ m: 'min' });
    expect(s.sort).toBeNull();
    expect(parseTableState('garbage')).toEqual(emptyState());
  });
});

describe('virtual window', () => {
  it('draws only the rows in view, with overscan, clamped to the table', () => {
    expect(rowWindow(0, 260, 26, 10_000, 6)).toEqual({ first: 0, end: 16 });
    expect(rowWindow(26 * 5000, 260, 26, 10_000, 6)).toEqual({ first: 4994, end: 5016 });
    expect(rowWindow(26 * 9999, 260, 26, 10_000, 6)).toEqual({ first: 9993, end: 10_000 });
    expect(rowWindow(0, 260, 26, 0)).toEqual({ first: 0, end: 0 });
  });

  it('draws only the columns in view among 200', () => {
    const { offsets, total } = columnOffsets(Array.from({ length: 200 }, () => 100));
    expect(total).toBe(20_000);
    expect(columnWindow(0, 450, offsets, total, 2)).toEqual({ first: 0, end: 7 });
    expect(columnWindow(10_050, 450, offsets, total, 2)).toEqual({ first: 98, end: 108 });
    expect(columnWindow(99_999, 450, offsets, total, 2)).toEqual({ first: 197, end: 200 });
  });
});

describe('selection', () => {
  it('toggles, selects a shift-click range in the order shown, and drops runs that went', () => {
    const order = ['a', 'b', 'c', 'd', 'e'];
    const s = new Selection();
    s.click('b', false, order);
    s.click('d', true, order);
    expect(s.inOrder(order)).toEqual(['b', 'c', 'd']);
    s.click('c', false, order);
    expect(s.inOrder(order)).toEqual(['b', 'd']);
    s.retain(new Set(['a', 'b']));
    expect(s.inOrder(order)).toEqual(['b']);
  });
});
