// Messages between a VS Code webview (the shared charts or run details) and the extension host. The
// webview says `ready` first (the handshake); until then the host sends nothing. Requests carry an id
// and get one response each; bytes travel as base64 (a webview message is JSON).

/** The HostBridge methods a webview may call (shared/ui/src/hostBridge.ts). */
export type BridgeMethod =
  | 'listRuns'
  | 'getSeries'
  | 'getRun'
  | 'readLog'
  | 'listArtifacts'
  | 'readArtifact'
  | 'updateRun'
  | 'deleteRun'
  | 'cancelJob'
  | 'stopRun'
  | 'rerunJob';

/** What a panel shows; kept with the webview's state so that a reload restores it. */
export type PanelView = { kind: 'charts'; runs: { source: string; id: string }[] | null } | { kind: 'details'; run: { source: string; id: string } };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'request'; id: number; method: BridgeMethod; args: unknown[] }
  | { type: 'action'; action: 'openCharts' | 'openSource' | 'saveArtifact' | 'openScript'; args: unknown[] };

export type HostToWebview =
  | { type: 'init'; view: PanelView; dark: boolean; charts: { smoothing: number; xAxis: 'step' | 'relative' | 'wall' } }
  | { type: 'response'; id: number; ok: true; value: unknown }
  | { type: 'response'; id: number; ok: false; error: string }
  | { type: 'event'; event: import('./api.js').StoreEvent }
  | { type: 'theme'; dark: boolean };
