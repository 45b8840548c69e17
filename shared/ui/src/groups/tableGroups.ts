// Groups in the runs table, through its grouping hook (table/rowModel.ts `GroupBy`): a group row per
// group, with the run count and per metric column the mean over its members (of the value the column
// shows: last, min or max), per param column the value when all members share it; the members under
// it. And the table's "Group by" box, which sets that hook.
import { buildColumns, cellText, cellValue, formatNumber, type MetricField } from '../table/columns.js';
import type { GroupBy as TableGroupBy, RunRow, TableRow } from '../table/rowModel.js';
import { el } from '../views/dom.js';
import { groupByText, groupRuns, parseGroupBy, type GroupBy } from './groupRuns.js';

/** A group row's text per column id: metrics' means (with the spread when members differ), shared params. */
export function groupAggregates(members: RunRow[], fieldOf: (columnId: string) => MetricField): Record<string, string> {
  const out: Record<string, string> = {};
  for (const column of buildColumns(members.map((m) => m.run))) {
    if (column.kind === 'metric') {
      const values = members.map((m) => cellValue(column, m.run, fieldOf(column.id))).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (values.length === 0) continue;
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      // The spread to 2 significant digits: enough to judge the seeds' noise, short enough for a cell.
      out[column.id] = values.length > 1 && std > 0 ? `${formatNumber(mean)} ± ${formatNumber(Number(std.toPrecision(2)))}` : formatNumber(mean);
    } else if (column.kind === 'param') {
      const texts = new Set(members.map((m) => cellText(column, m.run)));
      if (texts.size === 1) out[column.id] = [...texts][0]!;
    }
  }
  return out;
}

/**
 * The table's hook for a grouping: group rows in the order of their first member in the sorted runs
 * (sorting by a metric puts the group with the best run first), each followed by its members. Runs
 * outside any sweep or job stay plain rows.
 */
export function tableGroupBy(by: GroupBy, fieldOf: (columnId: string) => MetricField): TableGroupBy | undefined {
  if (by.kind === 'none') return undefined;
  return (runs: RunRow[], all: Iterable<RunRow> = []): TableRow[] => {
    const byKey = new Map(runs.map((r) => [r.key, r]));
    const position = new Map(runs.map((r, i) => [r.key, i]));
    const groups = groupRuns(runs.map((r) => ({ key: r.key, run: r.run })), by, [...all].map((r) => ({ key: r.key, run: r.run })));
    const first = (members: string[]) => Math.min(...members.map((m) => position.get(m)!));
    return groups
      .sort((a, b) => first(a.members) - first(b.members))
      .map((g): TableRow => {
        const members = g.members.map((m) => byKey.get(m)!);
        if (g.key.startsWith('run:')) return members[0]!; // not part of any sweep or job
        // A sweep's run heads its trials' rows; the means and shared params are the trials'.
        const summed = g.head === undefined ? members : members.filter((m) => m.key !== g.head);
        return { kind: 'group', key: `group:${g.key}`, label: g.label, members, aggregates: groupAggregates(summed, fieldOf), expanded: true };
      });
  };
}

const STORAGE_KEY = 'runlane.table.groupBy';

/**
 * The "Group by" box of the runs table (appended to its toolbar): the same grammar as the charts'
 * (`all but seed`, `lr, layers`, `sweep`, `job`), remembered for the next table.
 */
export function tableGroupControl(apply: (by: GroupBy) => void): { node: HTMLElement; initial: GroupBy } {
  let initial: GroupBy = { kind: 'none' };
  try {
    initial = parseGroupBy(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '');
  } catch {
    // storage disabled: no remembered grouping
  }
  const input = el('input', {
    type: 'search', className: 'rl-table-group-by', placeholder: 'Group by: all but seed', value: groupByText(initial),
    title: 'Group rows (mean of each metric, run count): param or tag names (lr, layers), "all but seed", "sweep" or "job". Empty: no groups.',
  });
  input.setAttribute('aria-label', 'Group by');
  input.addEventListener('change', () => {
    const by = parseGroupBy(input.value);
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, groupByText(by));
    } catch {
      // storage full or disabled: the grouping still holds for this table
    }
    apply(by);
  });
  return { node: input, initial };
}
