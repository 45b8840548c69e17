// Messages between a VS Code webview (the shared charts or run details) and the extension host. The
// webview says `ready` first (the handshake); until then the host sends nothing. Requests carry an id
// and get one response each; bytes travel as base64 (a webview message is JSON).
//
// Requests are derived from the HostBridge's method signatures and actions from WebviewActions', so a
// message's arguments and its reply are typed from the page to the host: a new bridge method is a new
// message with nothing to write here, and a wrong argument is a compile error on both sides.
import type { StoreEvent } from './api.js';
import type { HostBridge } from './hostBridge.js';
import type { RunRef } from './runs.js';

/** The HostBridge methods a webview may call (every one but `subscribe`: the feed comes as `event` messages). */
export type BridgeMethod = Exclude<keyof HostBridge, 'subscribe'>;

// `stopRun` is optional on the bridge; the VS Code host always answers it.
type BridgeFn<K extends BridgeMethod> = NonNullable<HostBridge[K]>;

/** A value as it crosses the webview boundary: bytes as base64 text, the rest as it is. */
export type OnTheWire<T> = T extends Uint8Array ? string : T extends readonly unknown[] ? { [I in keyof T]: OnTheWire<T[I]> } : T extends object ? { [P in keyof T]: OnTheWire<T[P]> } : T;

/** Each method's arguments, as the page passes them to the bridge. */
export type BridgeArgs = { [K in BridgeMethod]: Parameters<BridgeFn<K>> };
/** Each method's result, as the host sends it back (bytes as base64). */
export type BridgeReplies = { [K in BridgeMethod]: OnTheWire<Awaited<ReturnType<BridgeFn<K>>>> };

// The request types index one fixed map (rather than mapping over `K`): TypeScript then relates a
// request of a generic method to the union of all requests, so hosts can dispatch them generically.
type BridgeRequests = { [K in BridgeMethod]: { type: 'request'; id: number; method: K; args: BridgeArgs[K] } };
/** One bridge call from the page; `K` narrows it to one method (the union of all by default). */
export type BridgeRequest<K extends BridgeMethod = BridgeMethod> = BridgeRequests[K];
/** A call as the page writes it (the request without its envelope): `{ method: 'getRun', args: [ref] }`. */
export type BridgeCall = { [K in BridgeMethod]: { method: K; args: BridgeArgs[K] } }[BridgeMethod];
/** The host's answer to the request with the same id, naming its method. */
export type BridgeResponse<K extends BridgeMethod = BridgeMethod> =
  | { type: 'response'; id: number; method: K; ok: true; value: BridgeReplies[K] }
  | { type: 'response'; id: number; method: K; ok: false; error: string };

/** What a page asks its editor to do (open another panel, the source, a save dialog). */
export interface WebviewActions {
  openCharts(runs: RunRef[]): void;
  openSource(run: { notebook: string | null; cell_id: string | null }): void;
  saveArtifact(run: RunRef, artifact: { path: string }): void;
  openScript(path: string): void;
  /** The runs table: a run's details panel (a double-clicked row). */
  openDetails(run: RunRef): void;
  /** The runs table's CSV export: the editor's save dialog, then the file. */
  saveText(fileName: string, text: string): void;
  /** The runs table's Markdown export, to the clipboard. */
  copyText(text: string): void;
  /** A run's details: the sweep view of a sweep run (or of a trial's sweep). */
  openSweep(run: RunRef): void;
}
export type WebviewAction = keyof WebviewActions;
export type ActionArgs = { [A in WebviewAction]: Parameters<WebviewActions[A]> };
type ActionMessages = { [A in WebviewAction]: { type: 'action'; action: A; args: ActionArgs[A] } };
export type ActionMessage<A extends WebviewAction = WebviewAction> = ActionMessages[A];
/** An action as the page writes it: `{ action: 'openScript', args: [path] }`. */
export type ActionCall = { [A in WebviewAction]: { action: A; args: ActionArgs[A] } }[WebviewAction];

/** What a panel shows; kept with the webview's state so that a reload restores it. */
export type PanelView =
  | { kind: 'charts'; runs: { source: string; id: string }[] | null }
  | { kind: 'details'; run: { source: string; id: string } }
  /** A sweep run's live view: its trials, best so far, parallel coordinates (docs/sweeps.md). */
  | { kind: 'sweep'; run: { source: string; id: string } }
  /** The runs table: an experiment's runs (null: every run), or a fixed selection when `runs` is set. */
  | { kind: 'table'; experiment: string | null; runs: { source: string; id: string }[] | null };

export type WebviewToHost = { type: 'ready' } | BridgeRequest | ActionMessage;

export type HostToWebview =
  | { type: 'init'; view: PanelView; dark: boolean; charts: { smoothing: number; xAxis: 'step' | 'relative' | 'wall' } }
  | BridgeResponse
  | { type: 'event'; event: StoreEvent }
  | { type: 'theme'; dark: boolean };
