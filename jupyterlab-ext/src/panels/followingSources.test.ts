// A runs table lists every source's runs again when a source of any kind (a store, a TensorBoard or
// DVCLive log folder, an MLflow server) is added or removed: the page's SourcesBridge tells it, as a
// feed reset, and its listing then has the new source's runs. The daemon is a thin seam here: each
// source's GET /runs answered from a map (the e2e test, jupyterlab.e2e, drives the real one).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { HttpHostBridge, type HttpSource } from '@runlane/ui';
import { SourcesBridge } from '../sources';
import { followingSources } from './followingSources';

const run = (id: string): RunSummary => ({ id, name: id, experiment: 'e', status: 'finished', kind: 'script', created_at: 1, params: {}, tags: {}, metrics: {} }) as unknown as RunSummary;
const RUNS: Record<string, RunSummary[]> = { '/w/.runlane': [run('local')], '/w/tb': [run('tb')], '/w/dvc': [run('project/dvclive')], 'http://team:5000': [run('team')] };

/** EventSource is the page's: a stand-in that never sends (the feed is not what is tested). */
class QuietEventSource {
  addEventListener(): void {}
  close(): void {}
}

let saved: unknown;
beforeEach(() => {
  saved = (globalThis as { EventSource?: unknown }).EventSource;
  (globalThis as { EventSource?: unknown }).EventSource = QuietEventSource;
});
afterEach(() => {
  (globalThis as { EventSource?: unknown }).EventSource = saved;
});

function pageBridge(): SourcesBridge {
  const answer = (source: HttpSource) => async (url: string) => {
    expect(url).toContain('/runs');
    return new Response(JSON.stringify(RUNS[source.path] ?? []), { headers: { 'content-type': 'application/json' } });
  };
  return new SourcesBridge((source) => new HttpHostBridge('/runlane', [source], () => ({}), {}, answer(source)), '/runlane/api/v1/events');
}

describe("a runs table's bridge", () => {
  it('tells the table of each source added or removed, of every kind, as a reset; its listing then has that source', async () => {
    const bridge = pageBridge();
    bridge.add({ kind: 'store', path: '/w/.runlane', why: 'the server’s store', removable: false });
    const table = followingSources(bridge);
    const events: StoreEvent[] = [];
    const stop = table.subscribe((event) => events.push(event));
    const names = async () => (await table.listRuns()).map((r) => r.run.name).sort();
    expect(await names()).toEqual(['local']);

    bridge.add({ kind: 'logdir', path: '/w/tb', why: 'a TensorBoard log folder you opened', removable: true });
    bridge.add({ kind: 'logdir', path: '/w/dvc', why: 'a DVCLive folder you opened', removable: true });
    bridge.add({ kind: 'mlflow', path: 'http://team:5000', why: 'team', removable: true });
    expect(events.map((e) => e.type)).toEqual(['reset', 'reset', 'reset']);
    expect(await names()).toEqual(['local', 'project/dvclive', 'tb', 'team']);

    expect(bridge.add({ kind: 'logdir', path: '/w/tb', why: 'again', removable: true })).toBe(false); // shown already: nothing changed
    bridge.remove('/w/tb');
    bridge.remove('/w/tb'); // gone already
    expect(events.length).toBe(4);
    expect(await names()).toEqual(['local', 'project/dvclive', 'team']);

    stop();
    bridge.add({ kind: 'logdir', path: '/w/tb', why: 'a TensorBoard log folder you opened', removable: true });
    expect(events.length).toBe(4); // a closed table hears nothing
    // Everything else is the page's bridge's own.
    expect(() => table.getRun({ source: '/w/nowhere', id: 'x' })).toThrow(/no longer shows \/w\/nowhere/);
  });
});
