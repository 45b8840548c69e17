// The Targets view against the `vscode` stand-in and a real RunSet fed real feed events: a running
// job's new metrics redraw its row alone; a job that ends redraws the view; a click on a job's row
// opens the job it selects, with no arguments VS Code could drop as the row is redrawn.
import type { RunSummary, StoreEvent, TargetInfo } from '@runlane/protocol';
import { RunSet } from '@runlane/ui';
import { expect, it, vi } from 'vitest';
import type { RunsChange } from '../runsChange.js';

vi.mock('vscode', () => import('../testing/vscodeStub.js'));

const stub = await import('../testing/vscodeStub.js');
const { TargetsTree } = await import('./targetsTree.js');
const { applyEvent } = await import('../runsChange.js');
const { jobOf } = await import('./targetsTree.js');
const { InternalCommandIds } = await import('../commandIds.js');

const STORE = '/w/.runlane';
const job: RunSummary = {
  id: 'j1', name: 'train', experiment: 'e', status: 'running', kind: 'job', created_at: 1, started_at: 1, ended_at: null, duration: null, notebook: null, cell_id: null, execution_count: null,
  params: { target: 'local' }, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null,
};
const local: TargetInfo = { name: 'local', kind: 'local', gpus: ['0', '1'], ok: true, detail: '2 GPUs' };

it('a running job\'s metrics redraw its row only; its end redraws the view', async () => {
  const runs = new RunSet(STORE);
  runs.reset([job]);
  const changes = new stub.EventEmitter<RunsChange>();
  const feed = (event: StoreEvent) => {
    const change = applyEvent(runs, event);
    if (change) changes.fire(change);
  };
  const service = { onDidChange: changes.event, all: () => runs.all().map((run) => ({ run })), run: (id: string) => runs.get(id) };
  const tree = new TargetsTree(service as never, async () => [local]);
  const fired: unknown[] = [];
  tree.onDidChangeTreeData((e) => fired.push(e));
  const [target] = await tree.getChildren();
  const rows = await tree.getChildren(target);
  expect(rows).toEqual([{ kind: 'job', id: 'j1' }]);
  expect(await tree.getChildren(target)).toEqual(rows);
  expect((await tree.getChildren(target))[0]).toBe(rows[0]); // the same node: it can be redrawn alone
  feed({ type: 'metrics', store: STORE, run_id: 'j1', key: 'loss', rank: null, steps: [1], times: [1.7e9], values: [0.5] });
  expect(fired).toEqual([rows]);
  const [row] = rows;
  if (!row) throw new Error('no job row');
  expect(tree.getTreeItem(row).description).toContain('loss 0.5');
  feed({ type: 'run-updated', store: STORE, run: { ...job, status: 'finished' }, previous_status: 'running' });
  expect(fired).toEqual([rows, undefined]);
  tree.dispose();
});

it('a job row\'s click carries no arguments: it opens the job it selects in this view, as redrawn rows do', async () => {
  const runs = new RunSet(STORE);
  runs.reset([job]);
  const changes = new stub.EventEmitter<RunsChange>();
  const service = { onDidChange: changes.event, all: () => runs.all().map((run) => ({ run })), run: (id: string) => runs.get(id) };
  const tree = new TargetsTree(service as never, async () => [local]);
  const [target] = await tree.getChildren();
  if (!target) throw new Error('no target row');
  const [row] = await tree.getChildren(target);
  if (!row) throw new Error('no job row');
  // Arguments live with the row as drawn; a click on a row redrawn meanwhile found them gone.
  expect(tree.getTreeItem(row).command).toEqual({ command: InternalCommandIds.openTargetsJob, title: 'Open Details' });
  // The command reads the job from the selection the click set; a target's row or nothing is no job.
  expect(jobOf([row])).toBe('j1');
  expect(jobOf([target])).toBeUndefined();
  expect(jobOf([])).toBeUndefined();
  tree.dispose();
});
