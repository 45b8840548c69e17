// Issue 11: the Runs and Targets trees and the status item keep what they subscribe to and dispose
// it (and their own emitters), so nothing of a disposed view is still called when the runs change.
import type { RunSummary } from '@runlane/protocol';
import type { RunsChange } from './runsChange.js';
import { describe, expect, it, vi } from 'vitest';

vi.mock('vscode', () => import('./testing/vscodeStub.js'));

const stub = await import('./testing/vscodeStub.js');
const { RunsTree } = await import('./views/runsTree.js');
const { TargetsTree } = await import('./views/targetsTree.js');
const { StatusItem } = await import('./statusItem.js');
const { EVERYTHING } = await import('./runsChange.js');

const run: RunSummary = {
  id: 'r1', name: 'a', experiment: 'e', status: 'running', kind: 'cell', created_at: 1, started_at: 1, ended_at: null, duration: null, notebook: null, cell_id: null, execution_count: null,
  params: {}, tags: {}, metrics: {}, ranks: [], error: null, exit_code: null,
};

/** A service whose change event is a real (stub) emitter, so its listeners can be counted. */
function service() {
  const changes = new stub.EventEmitter<RunsChange>();
  return {
    changes,
    onDidChange: changes.event,
    sources: () => [{ kind: 'store', path: '/w/.runlane', label: '.runlane', reason: 'workspace folder' }],
    runsOf: () => [run],
    errorOf: () => null,
    all: () => [{ source: { kind: 'store', path: '/w/.runlane', label: '.runlane', reason: 'x' }, run }],
    run: () => run,
  };
}

describe('disposal', () => {
  it('the Runs tree, the Targets tree and the status item leave no listener and no live emitter behind', () => {
    const s = service();
    const first = stub.created.emitters.length; // the views' own emitters come after the service's
    const views = [new RunsTree(s as never, () => null), new TargetsTree(s as never, async () => []), new StatusItem(s as never)];
    expect(s.changes.listeners.size).toBe(3); // each follows the runs
    const own = stub.created.emitters.slice(first);
    expect(own.length).toBe(2); // the trees' onDidChangeTreeData
    let calls = 0;
    for (const v of views.slice(0, 2)) (v as { onDidChangeTreeData: (l: () => void) => unknown }).onDidChangeTreeData(() => calls++);
    s.changes.fire(EVERYTHING);
    expect(calls).toBeGreaterThan(0);

    for (const v of views) v.dispose();
    expect(s.changes.listeners.size).toBe(0);
    expect(own.every((e) => e.disposed)).toBe(true);
    expect(stub.created.statusItems.every((i) => i.disposed)).toBe(true);
    calls = 0;
    s.changes.fire(EVERYTHING);
    expect(calls).toBe(0);
  });
});
