// The Charts and Run-details host answers a page's typed messages (shared/protocol's webview.ts):
// the `ready` handshake, each HostBridge request by its method (bytes as base64, errors as their
// message), and page actions. The daemon client is the seam: a fake answers like DaemonClient.
import type { BridgeRequest, HostToWebview, RunRef, StoreEvent, WebviewToHost } from '@runlane/protocol';
import { describe, expect, it, vi } from 'vitest';
import { PanelTypes } from './commandIds.js';

vi.mock('vscode', () => import('./testing/vscodeStub.js'));

const stub = await import('./testing/vscodeStub.js');
const { RunlanePanels } = await import('./webviewHost.js');

const ref: RunRef = { source: '/w/.runlane', id: 'r1' };
const calls: unknown[][] = [];
const client = {
  run: async (id: string) => (calls.push(['run', id]), { id, name: 'baseline' }),
  log: async (id: string, writer: string, stream: string, offset: number) => (calls.push(['log', id, writer, stream, offset]), { bytes: Buffer.from('hello world'), size: 11 }),
  artifact: async (id: string, path: string) => (calls.push(['artifact', id, path]), Buffer.from([0, 255])),
  series: async (id: string, key: string, request: unknown) => (calls.push(['series', id, key, request]), { run: id, key }),
  deleteRun: async (id: string) => {
    calls.push(['deleteRun', id]);
    throw new Error('The job still runs: cancel it first.');
  },
};
const service = {
  onDidChange: new stub.EventEmitter<unknown>().event,
  onEvent: new stub.EventEmitter<unknown>().event,
  all: () => [],
  run: () => ({ id: 'r1', name: 'baseline' }),
  sources: () => [],
  daemon: async (source: string) => (calls.push(['daemon', source]), client),
};

describe('the webview host', () => {
  it('answers each typed request by its method, after the ready handshake', async () => {
    const opened: RunRef[][] = [];
    const panels = new RunlanePanels(stub.Uri.file('/ext') as never, service as never, { openCharts: (runs) => opened.push(runs), openSource: () => undefined, openScript: () => undefined });
    panels.openDetails(ref);
    const panel = stub.created.panels.at(-1);
    if (!panel) throw new Error('no panel was opened');
    const send = (message: WebviewToHost) => panel.send(message);
    const answer = async (request: BridgeRequest) => {
      send(request);
      await expect.poll(() => (panel.posted as HostToWebview[]).find((m) => m.type === 'response' && m.id === request.id)).toBeTruthy();
      return (panel.posted as HostToWebview[]).find((m) => m.type === 'response' && m.id === request.id);
    };
    send({ type: 'ready' });
    expect(panel.posted[0]).toMatchObject({ type: 'init', view: { kind: 'details', run: ref } });
    expect(await answer({ type: 'request', id: 1, method: 'getRun', args: [ref] })).toEqual({ type: 'response', id: 1, method: 'getRun', ok: true, value: { id: 'r1', name: 'baseline' } });
    expect(await answer({ type: 'request', id: 2, method: 'readLog', args: [ref, 'w0', 'stdout', 6, 3] })).toEqual({ type: 'response', id: 2, method: 'readLog', ok: true, value: { bytes: Buffer.from('hel').toString('base64'), size: 11 } });
    expect(await answer({ type: 'request', id: 3, method: 'readArtifact', args: [ref, 'model.bin'] })).toMatchObject({ ok: true, value: 'AP8=' });
    expect(await answer({ type: 'request', id: 4, method: 'getSeries', args: [ref, 'loss', { points: 100, rank: 1 }] })).toMatchObject({ ok: true, value: { run: 'r1', key: 'loss' } });
    expect(await answer({ type: 'request', id: 5, method: 'deleteRun', args: [ref] })).toEqual({ type: 'response', id: 5, method: 'deleteRun', ok: false, error: 'The job still runs: cancel it first.' });
    expect(calls).toContainEqual(['log', 'r1', 'w0', 'stdout', 6]);
    expect(calls).toContainEqual(['series', 'r1', 'loss', { points: 100, rank: 1 }]);
    send({ type: 'action', action: 'openCharts', args: [[ref]] });
    expect(opened).toEqual([[ref]]);
    panels.dispose();
  });

  it('posts each open panel only the feed events about what it shows: 10 panels and a job printing fast cost one message a line', () => {
    const feed = new stub.EventEmitter<StoreEvent>();
    const panels = new RunlanePanels(stub.Uri.file('/ext') as never, { ...service, onEvent: feed.event } as never, { openCharts: () => undefined, openSource: () => undefined, openScript: () => undefined });
    const other: RunRef = { source: '/w/.runlane', id: 'r2' };
    const elsewhere: RunRef = { source: '/w/sub/.runlane', id: 'r1' }; // the same id in another store
    const first = stub.created.panels.length;
    panels.openDetails(ref);
    panels.openCharts([ref]);
    panels.openCharts(null); // every run, new ones too
    for (let i = 0; i < 7; i++) panels.openDetails({ source: '/w/.runlane', id: `idle${i}` });
    const [details, charts, all, ...idle] = stub.created.panels.slice(first);
    if (!details || !charts || !all) throw new Error('the panels were not opened');
    for (const panel of stub.created.panels.slice(first)) panel.send({ type: 'ready' });
    const line = (run: RunRef, offset: number): StoreEvent => ({ type: 'log', store: run.source, run_id: run.id, writer: 'w0', stream: 'stdout', offset, length: 9 });
    const events: StoreEvent[] = [
      ...Array.from({ length: 300 }, (_, i) => line(ref, i * 9)), // a job printing 300 lines
      { type: 'metrics', store: ref.source, run_id: ref.id, key: 'loss', rank: null, steps: [1], times: [1.7e9], values: [0.5] },
      { type: 'metrics', store: other.source, run_id: other.id, key: 'loss', rank: null, steps: [1], times: [1.7e9], values: [0.4] },
      { type: 'metrics', store: elsewhere.source, run_id: elsewhere.id, key: 'loss', rank: null, steps: [1], times: [1.7e9], values: [0.3] },
      { type: 'run-created', store: other.source, run: { id: other.id } as never },
      { type: 'reset', reason: 'another daemon' },
    ];
    for (const event of events) feed.fire(event);
    const got = (panel: { posted: unknown[] }) => (panel.posted as HostToWebview[]).flatMap((m) => (m.type === 'event' ? [m.event] : []));
    // Its run's 300 lines and metrics, and the reset; nothing about r2 or the other store's r1.
    expect(got(details)).toEqual([...events.slice(0, 301), events.at(-1)]);
    expect(got(charts)).toEqual([events[300], events.at(-1)]); // charts draw no log lines
    expect(got(all)).toEqual(events.slice(300)); // a charts panel of every run: every run's metrics and new runs
    for (const panel of idle) expect(got(panel)).toEqual([events.at(-1)]);
    panels.dispose();
  });

  it('opens a sweep\'s view in a panel of its own: told its sweep run, fed every run\'s changes (its trials, new ones too) but no log lines', () => {
    const feed = new stub.EventEmitter<StoreEvent>();
    const panels = new RunlanePanels(stub.Uri.file('/ext') as never, { ...service, onEvent: feed.event } as never, { openCharts: () => undefined, openSource: () => undefined, openScript: () => undefined });
    const first = stub.created.panels.length;
    panels.openSweep(ref);
    const panel = stub.created.panels[first]!;
    expect([panel.viewType, panel.title]).toEqual([PanelTypes.sweep, 'Sweep: baseline']);
    panel.send({ type: 'ready' });
    const init = (panel.posted as HostToWebview[]).find((m) => m.type === 'init');
    expect(init?.type === 'init' && init.view).toEqual({ kind: 'sweep', run: ref });
    const trial: StoreEvent = { type: 'run-updated', store: ref.source, run: { id: 'trial7', tags: { 'runlane.sweep': 'r1' } } as never, previous_status: null };
    const points: StoreEvent = { type: 'metrics', store: ref.source, run_id: 'trial7', key: 'loss', rank: null, steps: [1], times: [1.7e9], values: [0.5] };
    const line: StoreEvent = { type: 'log', store: ref.source, run_id: 'trial7', writer: 'w0', stream: 'stdout', offset: 0, length: 9 };
    for (const event of [trial, points, line]) feed.fire(event);
    expect((panel.posted as HostToWebview[]).flatMap((m) => (m.type === 'event' ? [m.event] : []))).toEqual([trial, points]);
    panels.dispose();
  });
});
