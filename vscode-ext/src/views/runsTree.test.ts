// The Runs tree against a stand-in for the `vscode` module (testing/vscodeStub.ts) and a service
// holding real RunSummary data.
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { RunSet } from '@runlane/ui';
import type { RunsChange } from '../runsChange.js';
import { describe, expect, it, vi } from 'vitest';

vi.mock('vscode', () => import('../testing/vscodeStub.js'));

const stub = await import('../testing/vscodeStub.js');
const { RunsTree } = await import('./runsTree.js');
const { applyEvent } = await import('../runsChange.js');
const { ROW_REDRAW_MS } = await import('./rowRedraws.js');
const { CommandIds } = await import('../commandIds.js');

const run = (id: string, name: string, status: RunSummary['status'], experiment = 'e'): RunSummary => ({
  id, name, experiment, status, kind: 'cell', created_at: Number(id.slice(-1)), started_at: 1, ended_at: null, duration: 1, notebook: null, cell_id: null, execution_count: null,
  params: {}, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null,
});

function fakeService(sources: { path: string; runs: RunSummary[] }[]) {
  const all = () => sources.flatMap((s) => s.runs.map((r) => ({ source: { kind: 'store', path: s.path, label: s.path, reason: 'x' }, run: r })));
  return {
    onDidChange: () => ({ dispose() {} }),
    sources: () => sources.map((s) => ({ kind: 'store', path: s.path, label: s.path.split('/').pop(), reason: 'workspace folder' })),
    runsOf: (p: string) => sources.find((s) => s.path === p)?.runs ?? [],
    errorOf: () => null,
    totalOf: () => null,
    all,
    run: (id: string, p?: string) => all().find((r) => r.run.id === id && (!p || r.source.path === p))?.run,
  };
}

describe('the Runs tree', () => {
  it('redraws only the rows of running runs each second, with the same node objects', async () => {
    vi.useFakeTimers();
    const service = fakeService([{ path: '/w/.runlane', runs: [run('r1', 'a', 'running'), run('r2', 'b', 'finished')] }]);
    const tree = new RunsTree(service as never, () => null);
    const fired: unknown[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    const [experiment] = tree.getChildren();
    const rows = tree.getChildren(experiment);
    expect(tree.getChildren(tree.getChildren()[0])).toEqual(rows);
    expect(tree.getChildren(tree.getChildren()[0])[0]).toBe(rows[0]); // the same objects
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual([[rows.find((r) => r.kind === 'run' && r.run.id === 'r1')]]);
    tree.dispose();
    vi.useRealTimers();
  });

  // Issue 12 as a user met it: a store of 10,000 runs took about 2 minutes to show in code-server's
  // Runs view, the extension host blocked meanwhile (every row's item listed every run again to find
  // same-named runs: 10,000 x 10,000).
  it('draws 10,000 rows of one experiment listing the runs once, not once per row', () => {
    const runs = Array.from({ length: 10_000 }, (_, i) => run(`r${String(i).padStart(5, '0')}`, i === 7 || i === 9 ? 'twin' : `run ${i}`, 'finished'));
    const service = fakeService([{ path: '/w/.runlane', runs }]);
    let listed = 0;
    const all = service.all;
    service.all = () => (listed++, all());
    const byId = new Map(runs.map((r) => [r.id, r]));
    service.run = (id: string) => byId.get(id); // as RunlaneService finds one: a map, not a scan
    const tree = new RunsTree(service as never, () => null);
    const started = performance.now();
    const [experiment] = tree.getChildren();
    const rows = tree.getChildren(experiment);
    const labels = rows.map((r) => tree.getTreeItem(r).label as string);
    expect(labels).toHaveLength(10_000);
    expect(labels.filter((l) => l.startsWith('twin · '))).toHaveLength(2);
    expect(listed).toBeLessThanOrEqual(1);
    console.log(`10,000 rows: ${Math.round(performance.now() - started)} ms`);
    tree.dispose();
  });

  it('groups by store when there is more than one, and says when one has no runs yet', () => {
    const service = fakeService([{ path: '/w/.runlane', runs: [run('r1', 'a', 'finished')] }, { path: '/w/sub/.runlane', runs: [] }]);
    const tree = new RunsTree(service as never, () => null);
    const groups = tree.getChildren();
    expect(groups.map((g) => g.kind)).toEqual(['source', 'source']);
    const empty = tree.getTreeItem(groups[1]!);
    expect(empty.label).toBe('.runlane');
    expect(empty.description).toBe('no runs yet · workspace folder');
    tree.dispose();
  });

  it('with more than one folder, a folder showing its first page says so on its line and above its runs', () => {
    const page = Array.from({ length: 200 }, (_, i) => run(`r${i}`, `run ${i}`, 'finished'));
    const service = { ...fakeService([{ path: '/w/.runlane', runs: page }, { path: '/w/sub/.runlane', runs: [run('s1', 'a', 'finished')] }]), totalOf: (p: string) => (p === '/w/.runlane' ? 12_345 : null) };
    const tree = new RunsTree(service as never, () => null);
    const [big, small] = tree.getChildren();
    expect(tree.getTreeItem(big!).description).toBe('200 of 12,345 runs, loading… · workspace folder');
    expect(tree.getTreeItem(small!).description).toBe('1 run · workspace folder');
    const [message, ...groups] = tree.getChildren(big);
    expect(tree.getTreeItem(message!).label).toBe('Showing the newest 200 of 12,345 runs; loading the rest…');
    expect(groups.map((g) => g.kind)).toEqual(['experiment']);
    expect(tree.getChildren(small).map((g) => g.kind)).toEqual(['experiment']);
    tree.dispose();
  });

  it('a filter that hides every run says so and offers Clear Filter, not the "No runs yet." welcome', () => {
    const service = fakeService([{ path: '/w/.runlane', runs: [run('r1', 'a', 'finished'), run('r2', 'b', 'finished')] }]);
    const tree = new RunsTree(service as never, () => null);
    tree.filter = { ...tree.filter, text: 'tag:best' };
    const nodes = tree.getChildren();
    const items = nodes.map((n) => tree.getTreeItem(n));
    expect(items.map((i) => i.label)).toEqual(['No runs match “tag:best”.', 'Clear Filter']);
    expect((items[1] as { command?: { command: string } }).command?.command).toBe(CommandIds.clearFilter);
    tree.filter = { ...tree.filter, text: 'a' };
    expect(tree.getChildren().map((n) => n.kind)).toEqual(['experiment']);
    tree.dispose();
  });

  it('a metrics event for one run redraws that row only (the same node, the same id), with the new value', () => {
    vi.useFakeTimers();
    const service = liveService([run('r1', 'a', 'running'), run('r2', 'b', 'finished'), run('r3', 'c', 'finished', 'other')]);
    const tree = new RunsTree(service as never, () => null);
    const fired: unknown[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    const rows = tree.getChildren().flatMap((experiment) => tree.getChildren(experiment));
    const r1 = rows.find((n) => n.kind === 'run' && n.run.id === 'r1')!;
    const id = tree.getTreeItem(r1).id;
    service.feed(metrics('r1', 0.25));
    expect(fired).toEqual([[r1]]); // not `undefined`: the rest of the tree is not redrawn
    const item = tree.getTreeItem(r1);
    expect(item.id).toBe(id); // selection and expansion survive
    expect(item.description).toContain('loss 0.25');
    // A click runs Open Details on the selection it sets: no arguments VS Code could drop as the row is redrawn.
    expect(item.command).toEqual({ command: CommandIds.openDetails, title: 'Open Details' });
    // A burst is batched: the next rows are redrawn together, ROW_REDRAW_MS after the last redraw.
    service.feed(metrics('r1', 0.2));
    service.feed(metrics('r1', 0.1));
    expect(fired).toHaveLength(1);
    vi.advanceTimersByTime(ROW_REDRAW_MS);
    expect(fired).toEqual([[r1], [r1]]);
    tree.dispose();
    vi.useRealTimers();
  });

  it('redraws the whole tree when a change moves rows: a new status, or a run the filter now shows', () => {
    const service = liveService([run('r1', 'a', 'running'), run('r2', 'b', 'finished')]);
    const tree = new RunsTree(service as never, () => null);
    const fired: unknown[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    tree.getChildren().flatMap((experiment) => tree.getChildren(experiment));
    service.feed({ type: 'run-updated', store: STORE, run: { ...service.run('r1')!, status: 'finished' }, previous_status: 'running' });
    expect(fired).toEqual([undefined]);
    tree.filter = { ...tree.filter, text: 'tag:best' };
    service.feed({ type: 'run-updated', store: STORE, run: { ...service.run('r2')!, tags: { best: '' } }, previous_status: 'finished' });
    expect(fired).toEqual([undefined, undefined]);
    // A metrics event of a run the filter hides redraws nothing.
    service.feed(metrics('r1', 0.5));
    expect(fired).toHaveLength(2);
    tree.dispose();
  });
});

const STORE = '/w/.runlane';
const metrics = (id: string, value: number): StoreEvent => ({ type: 'metrics', store: STORE, run_id: id, key: 'loss', rank: null, steps: [1], times: [1.7e9], values: [value] });

/** A service over a real RunSet fed real feed events, as RunlaneService applies them. */
function liveService(runs: RunSummary[]) {
  const set = new RunSet(STORE);
  set.reset(runs);
  const changes = new stub.EventEmitter<RunsChange>();
  const source = { kind: 'store', path: STORE, label: '.runlane', reason: 'workspace folder' };
  return {
    feed(event: StoreEvent) {
      const change = applyEvent(set, event);
      if (change) changes.fire(change);
    },
    onDidChange: changes.event,
    sources: () => [source],
    runsOf: () => set.all(),
    errorOf: () => null,
    totalOf: () => null,
    all: () => set.all().map((r) => ({ source, run: r })),
    run: (id: string) => set.get(id),
  };
}
