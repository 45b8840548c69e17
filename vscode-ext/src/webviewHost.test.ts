// The Charts and Run-details host answers a page's typed messages (shared/protocol's webview.ts):
// the `ready` handshake, each HostBridge request by its method (bytes as base64, errors as their
// message), and page actions. The daemon client is the seam: a fake answers like DaemonClient.
import type { BridgeRequest, HostToWebview, RunRef, WebviewToHost } from '@runlane/protocol';
import { describe, expect, it, vi } from 'vitest';

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
});
