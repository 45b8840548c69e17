// Grouping runs, W&B-style: the seeds of one config as one unit, a sweep's trials, the runs of one job.
// Pure: a function of the runs' params and tags, so the charts and the runs table group alike.
import type { RunSummary } from '@runlane/protocol';

/**
 * How runs are grouped: by the named params/tags (`keys`), by every param except the named ones
 * (`except`: "all but seed"), by the sweep a trial belongs to, or by the job a run belongs to.
 */
export type GroupBy =
  | { kind: 'none' }
  | { kind: 'keys'; keys: string[] }
  | { kind: 'except'; keys: string[] }
  | { kind: 'sweep' }
  | { kind: 'job' };

/**
 * The tag that links a trial run to its sweep run (until the protocol carries a `sweep` field, which
 * wins when present).
 */
export const SWEEP_TAG = 'runlane.sweep';

export type GroupableRun = Pick<RunSummary, 'id' | 'name' | 'kind' | 'params' | 'tags'> & { sweep?: string | null };

export interface GroupInput {
  /** The run's key in the view (source + id); members are named by it. */
  key: string;
  run: GroupableRun;
  /** How the run is named in the view (runLabel); its name when absent. */
  label?: string;
}

export interface RunGroup {
  /** Stable across reloads and live updates: built from what the members share, not their order. */
  key: string;
  /** What the members share, e.g. `lr=0.01 layers=2`. */
  label: string;
  /** Member run keys, in the order the runs were given. */
  members: string[];
  /**
   * The member that heads the group without being one of the runs it sums up: a sweep's own run, first
   * of its trials' group. Its series and values stay out of the group's means (its `sweep/best` is no
   * trial's, its controller's system metrics are no training's), but it is listed, charted and counted.
   */
  head?: string;
}

/** A value as a label shows it: strings bare, everything else as JSON (`0.01`, `true`, `[1,2]`). */
export function formatParam(value: unknown): string {
  if (value === undefined) return '–';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? typeof value; // a function or a symbol: not a param value the store keeps
}

/**
 * A name as the user typed it: `tag:name` is a tag, `param:name` a param, a bare name a param if any of
 * the runs has that param, else a tag.
 */
function resolver(runs: GroupInput[]): (name: string) => (run: GroupableRun) => unknown {
  return (name) => {
    if (name.startsWith('tag:')) return (run) => run.tags[name.slice(4)];
    if (name.startsWith('param:')) return (run) => run.params[name.slice(6)];
    const isParam = runs.some((r) => name in r.run.params);
    return isParam ? (run) => run.params[name] : (run) => run.tags[name];
  };
}

/** The names a group is keyed on: the given ones, or every param of the runs but the given ones. */
function groupNames(by: GroupBy, runs: GroupInput[]): string[] {
  if (by.kind === 'keys') return [...new Set(by.keys)];
  if (by.kind !== 'except') return [];
  const excluded = new Set(by.keys.map((k) => k.replace(/^param:/, '')));
  const names = new Set<string>();
  for (const r of runs) for (const name of Object.keys(r.run.params)) if (!excluded.has(name)) names.add(name);
  return [...names].sort();
}

/** The sweep's name in a trial's run name, as the sweep controller names trials (`moons · trial 3`). */
function sweepNameOfTrial(name: string): string | null {
  return /^(.+) · trial \d+$/.exec(name)?.[1] ?? null;
}

/** The run a trial or block belongs to, or null: it stands alone. */
function parentOf(by: GroupBy, run: GroupableRun): string | null {
  if (by.kind === 'sweep') return run.sweep || run.tags[SWEEP_TAG] || null;
  if (by.kind === 'job') return run.tags.job || (run.kind === 'job' ? run.id : null);
  return null;
}

/**
 * The groups of `runs` under `by`, ordered by label (so the legend and the charts' colours do not
 * shuffle as runs arrive). With `none`, every run is a group of its own. A run outside any sweep or
 * job is a group of one, labelled by its name. `named`: runs that only name groups (a sweep's run a filter
 * hides still names its trials' group: `moons sweep`, not its id).
 */
export function groupRuns(runs: GroupInput[], by: GroupBy, named: Iterable<GroupInput> = []): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  const order = new Map<string, unknown[]>(); // what a group sorts by: its values (numbers as numbers), else its label
  const add = (key: string, label: string, member: string, values: unknown[] = [label]) => {
    const group = groups.get(key);
    if (group) group.members.push(member);
    else {
      groups.set(key, { key, label, members: [member] });
      order.set(key, values);
    }
  };
  const labelOf = (r: GroupInput) => r.label ?? r.run.name;
  if (by.kind === 'keys' || by.kind === 'except') {
    const names = groupNames(by, runs);
    const resolve = resolver(runs);
    const getters = names.map((n) => [n, resolve(n)] as const);
    for (const r of runs) {
      const values = getters.map(([name, get]) => [name, get(r.run)] as const);
      const key = `${by.kind}:${JSON.stringify(values.map(([n, v]) => [n, v === undefined ? null : v]))}`;
      const label = values.length ? values.map(([n, v]) => `${n}=${formatParam(v)}`).join(' ') : '(no params)';
      add(key, label, r.key, values.map(([, v]) => v));
    }
  } else if (by.kind === 'sweep' || by.kind === 'job') {
    const byId = new Map([...named, ...runs].map((r) => [r.run.id, r]));
    for (const r of runs) {
      const parent = parentOf(by, r.run);
      if (parent === null) {
        add(`run:${r.key}`, labelOf(r), r.key);
        continue;
      }
      const head = byId.get(parent);
      // The group is named after its sweep or job run; without it (charts of trials picked in the
      // table), after the sweep's name in its trials' names (`moons · trial 3`), never its raw id.
      add(`${by.kind}:${parent}`, head ? labelOf(head) : (by.kind === 'sweep' && sweepNameOfTrial(r.run.name)) || `${by.kind} ${parent}`, r.key);
    }
    // A job's run is the first of its group (its blocks are runs like it). A sweep's run heads its
    // trials' group too (a user grouping by sweep looks for the sweep there), kept out of its means.
    for (const [key, group] of [...groups]) {
      if (!key.startsWith('run:')) continue;
      const id = runs.find((r) => r.key === group.members[0])!.run.id;
      const target = groups.get(`${by.kind}:${id}`);
      if (target) {
        target.members.unshift(group.members[0]!);
        if (by.kind === 'sweep') target.head = group.members[0]!;
        groups.delete(key);
      }
    }
  } else {
    for (const r of runs) add(`run:${r.key}`, labelOf(r), r.key);
  }
  return [...groups.values()].sort((a, b) => compareValues(order.get(a.key)!, order.get(b.key)!) || a.key.localeCompare(b.key));
}

/** Numbers by value (lr=0.03 before lr=0.1), then everything else by its text; a missing value last. */
function compareValues(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i], b[i]];
    if (x === y) continue;
    if (x === undefined || y === undefined) return x === undefined ? 1 : -1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    const c = formatParam(x).localeCompare(formatParam(y), undefined, { numeric: true });
    if (c) return c;
  }
  return a.length - b.length;
}

/**
 * Reads what the user typed in the "Group by" box: `all but seed, lr` (or `-seed`), `sweep`, `job`,
 * or a list of names `lr, layers`. Empty: no grouping.
 */
export function parseGroupBy(text: string): GroupBy {
  const t = text.trim();
  if (!t) return { kind: 'none' };
  if (/^sweeps?$/i.test(t)) return { kind: 'sweep' };
  if (/^jobs?$/i.test(t)) return { kind: 'job' };
  const names = (s: string) => s.split(/[,\s]+/).map((n) => n.trim()).filter(Boolean);
  const except = /^(?:all|everything)\s+(?:params\s+)?(?:but|except)\s*(.*)$/i.exec(t);
  if (except) return { kind: 'except', keys: names(except[1]!) };
  const all = names(t);
  if (all.every((n) => n.startsWith('-'))) return { kind: 'except', keys: all.map((n) => n.slice(1)).filter(Boolean) };
  return { kind: 'keys', keys: all.filter((n) => !n.startsWith('-')) };
}

/** Whether a value read back from storage is a grouping this version understands. */
export function isGroupBy(value: unknown): value is GroupBy {
  const v = value as { kind?: unknown; keys?: unknown } | null;
  if (!v || typeof v !== 'object') return false;
  if (v.kind === 'none' || v.kind === 'sweep' || v.kind === 'job') return true;
  return (v.kind === 'keys' || v.kind === 'except') && Array.isArray(v.keys) && v.keys.every((k) => typeof k === 'string');
}

/** The text of a grouping, as parseGroupBy reads it back. */
export function groupByText(by: GroupBy): string {
  if (by.kind === 'none') return '';
  if (by.kind === 'sweep' || by.kind === 'job') return by.kind;
  if (by.kind === 'except') return `all but ${by.keys.join(', ')}`.trim();
  return by.keys.join(', ');
}
