// The page inside a Runlane webview: a HostBridge over messages to the extension host, then the
// shared charts or run details. It says `ready` first and waits for `init` (the handshake); the view
// is kept with the webview's state, so VS Code restores the panel after a reload.
import type { ActionCall, BridgeCall, BridgeMethod, BridgeReplies, BridgeResponse, HostToWebview, PanelView, StoreEvent, WebviewToHost } from '@runlane/protocol';
import { ChartsPanel, parseTableState, RunDetailsView, RunsTable, SweepView, type HostBridge } from '@runlane/ui';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): { view?: PanelView; table?: unknown } | undefined;
  setState(state: { view: PanelView; table?: unknown }): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
/** Who waits for each request id: a settler that checks the response answers its method. */
const pending = new Map<number, (response: BridgeResponse) => void>();
const listeners = new Set<(event: StoreEvent) => void>();
let nextId = 1;

/** A response is the answer to a request of `method` (its value then has that method's type). */
function answers<K extends BridgeMethod>(method: K, response: BridgeResponse): response is BridgeResponse<K> {
  return response.method === method;
}

/** One HostBridge call to the extension host; resolves with its reply (bytes still as base64). */
function call<C extends BridgeCall>(request: C): Promise<BridgeReplies[C['method']]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, (response) => {
      if (!answers<C['method']>(request.method, response)) reject(new Error(`Runlane: the editor answered ${response.method} to a ${request.method} request.`));
      else if (response.ok) resolve(response.value);
      else reject(new Error(response.error));
    });
    vscode.postMessage({ type: 'request', id, ...request });
  });
}

/** Asks the editor to do something (open a panel, the source, a save dialog). */
function act(action: ActionCall): void {
  vscode.postMessage({ type: 'action', ...action });
}

const fromBase64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

const bridge: HostBridge = {
  listRuns: () => call({ method: 'listRuns', args: [] }),
  getSeries: (run, key, request) => call({ method: 'getSeries', args: [run, key, request] }),
  subscribe: (onEvent) => {
    listeners.add(onEvent);
    return () => listeners.delete(onEvent);
  },
  getRun: (run) => call({ method: 'getRun', args: [run] }),
  readLog: async (run, writer, stream, offset, length) => {
    const { bytes, size } = await call({ method: 'readLog', args: [run, writer, stream, offset, length] });
    return { bytes: fromBase64(bytes), size };
  },
  listArtifacts: (run) => call({ method: 'listArtifacts', args: [run] }),
  readArtifact: async (run, path) => fromBase64(await call({ method: 'readArtifact', args: [run, path] })),
  updateRun: (run, patch) => call({ method: 'updateRun', args: [run, patch] }),
  deleteRun: (run) => call({ method: 'deleteRun', args: [run] }),
  restoreRun: (run) => call({ method: 'restoreRun', args: [run] }),
  cancelJob: (run) => call({ method: 'cancelJob', args: [run] }),
  stopRun: (run) => call({ method: 'stopRun', args: [run] }),
  rerunJob: (run, params) => call({ method: 'rerunJob', args: [run, params] }),
  // The charts panel's image, text and histogram cards (shared/ui/src/media).
  // No key: every key (an undefined one would cross the message as null, a key named "null").
  listMedia: (run, key) => call({ method: 'listMedia', args: key === undefined ? [run] : [run, key] }),
  readMedia: async (run, ref) => fromBase64(await call({ method: 'readMedia', args: [run, ref] })),
  getHistograms: (run, key, rank) => call({ method: 'getHistograms', args: rank ? [run, key, rank] : [run, key] }),
};

let setDark: (dark: boolean) => void = () => {};
let mounted = false;

function mount(view: PanelView, dark: boolean, charts: { smoothing: number; xAxis: 'step' | 'relative' | 'wall' }): void {
  if (mounted) return;
  mounted = true;
  // The table's layout as this panel last had it (kept with the webview's state, so a reload keeps it).
  const savedTable = vscode.getState()?.table;
  vscode.setState({ view, table: savedTable });
  const host = document.getElementById('app') ?? document.body; // the page always has #app (webviewHost's html)
  if (view.kind === 'charts') {
    const panel = new ChartsPanel(host, bridge, { runs: view.runs ?? undefined, followNewRuns: view.runs === null, settings: charts });
    setDark = (d) => panel.setDark(d);
    void panel.load();
  } else if (view.kind === 'table') {
    const table = new RunsTable(host, bridge, {
      experiment: view.experiment,
      runs: view.runs,
      state: savedTable === undefined ? undefined : parseTableState(savedTable),
      onStateChange: (table) => vscode.setState({ view, table }),
      actions: {
        openCharts: (refs) => act({ action: 'openCharts', args: [refs] }),
        openDetails: (ref) => act({ action: 'openDetails', args: [ref] }),
        saveText: (name, text) => act({ action: 'saveText', args: [name, text] }),
        copyText: (text) => Promise.resolve(act({ action: 'copyText', args: [text] })),
      },
    });
    host.style.height = '100vh';
    host.style.display = 'flex';
    table.root.style.flex = '1';
    setDark = (d) => table.setDark(d);
    void table.load();
  } else if (view.kind === 'sweep') {
    const sweep = new SweepView(host, bridge, view.run, {
      openCharts: (refs) => act({ action: 'openCharts', args: [refs] }),
      openRun: (ref) => act({ action: 'openDetails', args: [ref] }),
    });
    setDark = (d) => sweep.setDark(d);
    void sweep.load();
  } else {
    const details = new RunDetailsView(host, bridge, view.run, {
      openCharts: (ref) => act({ action: 'openCharts', args: [[ref]] }),
      openSource: (run) => act({ action: 'openSource', args: [{ notebook: run.notebook, cell_id: run.cell_id }] }),
      saveArtifact: (ref, artifact) => act({ action: 'saveArtifact', args: [ref, artifact] }),
      stopRun: (ref) => call({ method: 'stopRun', args: [ref] }),
      openScript: (_run, path) => act({ action: 'openScript', args: [path] }),
      openSweep: (ref) => act({ action: 'openSweep', args: [ref] }),
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
  // Over a copy: a listener that subscribes again while handling an event (a view reloading on a
  // reset) must not be called again for the same event, or it loops forever.
  else if (message.type === 'event') [...listeners].forEach((l) => l(message.event));
  else if (message.type === 'response') {
    const settle = pending.get(message.id);
    pending.delete(message.id);
    settle?.(message);
  }
});
vscode.postMessage({ type: 'ready' });
