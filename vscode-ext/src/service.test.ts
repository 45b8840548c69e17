// The service's source reloads: a feed `reset` (a reconnect the daemon could not resume, a
// TensorBoard folder re-read) lists the source again and follows it anew. Only what the listing
// changed is redrawn (a whole-tree redraw while the user clicks a row can swallow the click), and
// however many resets come at once, one feed follows the source. The daemon client is the seam: a
// fake lists runs and hands out feeds like DaemonClient.
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { describe, expect, it, vi } from 'vitest';
import type { Source } from './sources.js';

vi.mock('vscode', () => import('./testing/vscodeStub.js'));

/** The fake daemon: its run list, and every feed it handed out (stopped or live). */
const daemon = {
  runs: [] as RunSummary[],
  feeds: [] as { onEvent: (event: StoreEvent) => void; stopped: boolean }[],
};
const client = {
  runs: async () => daemon.runs.map((run) => ({ ...run })), // fresh objects, as a real listing gives
  events: (onEvent: (event: StoreEvent) => void) => {
    const feed = { onEvent, stopped: false };
    daemon.feeds.push(feed);
    return () => void (feed.stopped = true);
  },
};
vi.mock('@runlane/core', async (original) => ({ ...(await original<typeof import('@runlane/core')>()), DaemonClient: { connect: async () => client } }));

const { RunlaneService } = await import('./service.js');
const { RunsTree } = await import('./views/runsTree.js');

const LOGDIR = '/logs/tb';
const source: Source = { kind: 'logdir', path: LOGDIR, label: 'tb', reason: 'TensorBoard log folder' };
const run = (id: string, loss: number): RunSummary => ({
  id, name: id, experiment: 'tb', status: 'finished', kind: 'tensorboard', created_at: 1, started_at: 1, ended_at: 2, duration: 1, notebook: null, cell_id: null, execution_count: null,
  params: {}, tags: {}, metrics: { loss: { last: loss, min: loss, max: loss, count: 1 } }, ranks: [], error: null, exit_code: null,
});
const live = () => daemon.feeds.filter((f) => !f.stopped);

describe('the service reloading a source', () => {
  it('a reset that lists the same runs redraws nothing; two resets at once leave one feed; a changed listing redraws only what changed', async () => {
    daemon.runs = [run('a', 0.5), run('b', 0.4)];
    const service = new RunlaneService('/cli.cjs', { appendLine: () => undefined } as never);
    service.setSources([source]);
    await expect.poll(() => live().length).toBe(1);
    const tree = new RunsTree(service, () => null);
    const fired: unknown[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    const rows = tree.getChildren().flatMap((experiment) => tree.getChildren(experiment));
    expect(rows.map((n) => (n.kind === 'run' ? n.run.id : n.kind))).toEqual(['a', 'b']);
    const reset = async () => {
      const before = daemon.feeds.length;
      live()[0]?.onEvent({ type: 'reset', reason: 'The event id is from another daemon start or too old; fetch the state again.' });
      await expect.poll(() => daemon.feeds.length).toBeGreaterThan(before); // listed again, followed again
    };

    await reset();
    expect(fired).toEqual([]); // the same runs: not one row redrawn

    // Two resets before either listing is back (the old feed and a reconnect): one feed follows.
    const feed = live()[0];
    feed?.onEvent({ type: 'reset', reason: 'first' });
    feed?.onEvent({ type: 'reset', reason: 'second' });
    await expect.poll(() => daemon.feeds.length).toBeGreaterThanOrEqual(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live()).toHaveLength(1);
    expect(fired).toEqual([]);

    // One run's new metrics: its row alone.
    daemon.runs = [run('a', 0.25), run('b', 0.4)];
    await reset();
    const a = rows.find((n) => n.kind === 'run' && n.run.id === 'a');
    expect(fired).toEqual([[a]]);
    expect(tree.getTreeItem(a ?? rows[0]!).description).toContain('0.25');

    // A new run: the whole tree.
    daemon.runs = [...daemon.runs, run('c', 0.3)];
    await reset();
    expect(fired.at(-1)).toBeUndefined();
    expect(fired).toHaveLength(2);
    expect(service.runsOf(LOGDIR).map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    tree.dispose();
    service.dispose();
  });

  it('a burst of new runs on the feed (an MLflow server paging in thousands) redraws the view once, with every run', async () => {
    daemon.runs = [];
    daemon.feeds = [];
    const server: Source = { kind: 'mlflow', path: 'http://127.0.0.1:5000', label: 'MLflow: 127.0.0.1:5000', reason: 'mlflowStores setting' };
    const service = new RunlaneService('/cli.cjs', { appendLine: () => undefined } as never);
    service.setSources([server]);
    await expect.poll(() => live().length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    let redraws = 0;
    service.onDidChange((change) => change.kind === 'all' && redraws++);
    for (let i = 0; i < 5000; i++) live()[0]?.onEvent({ type: 'run-created', store: server.path, run: { ...run(`r${i}`, 1 / (i + 1)), kind: 'mlflow' } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(redraws).toBe(1);
    expect(service.runsOf(server.path)).toHaveLength(5000);
    service.dispose();
  });
});
