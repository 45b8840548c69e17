// The page inside a Runlane webview: a HostBridge over messages to the extension host, then the
// shared charts or run details. It says `ready` first and waits for `init` (the handshake); the view
// is kept with the webview's state, so VS Code restores the panel after a reload.
import type { BridgeMethod, HostToWebview, PanelView, StoreEvent } from '@runlane/protocol';
import { ChartsPanel, RunDetailsView, type HostBridge } from '@runlane/ui';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): { view?: PanelView } | undefined;
  setState(state: { view: PanelView }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
const listeners = new Set<(event: StoreEvent) => void>();
let nextId = 1;

function call<T>(method: BridgeMethod, ...args: unknown[]): Promise<T> {
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    vscode.postMessage({ type: 'request', id, method, args });
  });
}

const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

const bridge: HostBridge = {
  listRuns: () => call('listRuns'),
  getSeries: (run, key, request) => call('getSeries', run, key, request),
  subscribe: (onEvent) => {
    listeners.add(onEvent);
    return () => listeners.delete(onEvent);
  },
  getRun: (run) => call('getRun', run),
  readLog: async (run, writer, stream, offset, length) => {
    const { bytes, size } = await call<{ bytes: string; size: number }>('readLog', run, writer, stream, offset, length);
    return { bytes: fromBase64(bytes), size };
  },
  listArtifacts: (run) => call('listArtifacts', run),
  readArtifact: async (run, path) => fromBase64(await call<string>('readArtifact', run, path)),
  updateRun: (run, patch) => call('updateRun', run, patch),
  deleteRun: (run) => call('deleteRun', run),
  cancelJob: (run) => call('cancelJob', run),
  stopRun: (run) => call('stopRun', run),
  rerunJob: (run, params) => call('rerunJob', run, params),
};

let setDark: (dark: boolean) => void = () => {};
let mounted = false;

function mount(view: PanelView, dark: boolean, charts: { smoothing: number; xAxis: 'step' | 'relative' | 'wall' }): void {
  if (mounted) return;
  mounted = true;
  vscode.setState({ view });
  const host = document.getElementById('app')!;
  if (view.kind === 'charts') {
    const panel = new ChartsPanel(host, bridge, { runs: view.runs ?? undefined, followNewRuns: view.runs === null, settings: charts });
    setDark = (d) => panel.setDark(d);
    void panel.load();
  } else {
    const details = new RunDetailsView(host, bridge, view.run, {
      openCharts: (ref) => vscode.postMessage({ type: 'action', action: 'openCharts', args: [[ref]] }),
      openSource: (run) => vscode.postMessage({ type: 'action', action: 'openSource', args: [{ notebook: run.notebook, cell_id: run.cell_id }] }),
      saveArtifact: (ref, artifact) => vscode.postMessage({ type: 'action', action: 'saveArtifact', args: [ref, artifact] }),
      stopRun: (ref) => call('stopRun', ref),
      openScript: (_run, path) => vscode.postMessage({ type: 'action', action: 'openScript', args: [path] }),
    });
    setDark = (d) => details.setDark(d);
    void details.load().then(() => {
      if (document.body.dataset.focusLogs) setTimeout(() => document.querySelector('.rl-logs')?.scrollIntoView(), 300);
    });
  }
  setDark(dark);
}

window.addEventListener('message', (e: MessageEvent<HostToWebview>) => {
  const message = e.data;
  if (message.type === 'init') mount(message.view, message.dark, message.charts);
  else if (message.type === 'theme') setDark(message.dark);
  else if (message.type === 'event') listeners.forEach((l) => l(message.event));
  else if (message.type === 'response') {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiting?.resolve(message.value);
    else waiting?.reject(new Error(message.error));
  }
});
vscode.postMessage({ type: 'ready' });
