// Compile-time checks of the webview messages (webview.ts): `tsc -b` fails when a wrong message is
// accepted (an `@ts-expect-error` below with no error is itself an error) or a right one refused.
// Nothing here runs; it is a type test that the build type-checks, whether or not tests are.
import type { ActionMessage, BridgeCall, BridgeReplies, BridgeRequest, BridgeResponse, HostToWebview, WebviewToHost } from './webview.js';

const ref = { source: '/w/.runlane', id: 'r1' };

export const typeChecks: WebviewToHost[] = [
  { type: 'ready' },
  { type: 'request', id: 1, method: 'getRun', args: [ref] },
  { type: 'request', id: 2, method: 'readLog', args: [ref, 'w0', 'stdout', 0] },
  { type: 'request', id: 3, method: 'getSeries', args: [ref, 'loss', { points: 500, rank: 1 }] },
  { type: 'action', action: 'openScript', args: ['/w/train.py'] },
  // @ts-expect-error getRun takes a RunRef, not a run id
  { type: 'request', id: 4, method: 'getRun', args: ['r1'] },
  // @ts-expect-error readLog needs the writer, the stream and the offset
  { type: 'request', id: 5, method: 'readLog', args: [ref] },
  // @ts-expect-error getSeries' third argument is a SeriesRequest
  { type: 'request', id: 6, method: 'getSeries', args: [ref, 'loss', 500] },
  // @ts-expect-error subscribe is not a request: the feed comes as `event` messages
  { type: 'request', id: 7, method: 'subscribe', args: [] },
  // @ts-expect-error no such bridge method
  { type: 'request', id: 8, method: 'dropStore', args: [ref] },
  // @ts-expect-error openScript takes the script's path
  { type: 'action', action: 'openScript', args: [ref] },
];

export const replyChecks: HostToWebview[] = [
  { type: 'response', id: 1, method: 'readArtifact', ok: true, value: 'aGVsbG8=' },
  { type: 'response', id: 2, method: 'readLog', ok: true, value: { bytes: 'aGVsbG8=', size: 5 } },
  { type: 'response', id: 3, method: 'deleteRun', ok: false, error: 'The job still runs.' },
  // @ts-expect-error bytes travel as base64 text, never as a Uint8Array (a webview message is JSON)
  { type: 'response', id: 4, method: 'readArtifact', ok: true, value: new Uint8Array(1) },
];

// A call names its method and that method's arguments; its reply type follows the method.
export const call: BridgeCall = { method: 'rerunJob', args: [ref, { lr: 0.1 }] };
// @ts-expect-error rerunJob's params are an object of overrides
export const badCall: BridgeCall = { method: 'rerunJob', args: [ref, 0.1] };
export const artifactText: BridgeReplies['readArtifact'] = 'aGVsbG8=';
export const oneMethod: BridgeRequest<'cancelJob'> = { type: 'request', id: 9, method: 'cancelJob', args: [ref] };
// @ts-expect-error a request narrowed to cancelJob is not a getRun request
export const otherMethod: BridgeRequest<'cancelJob'> = { type: 'request', id: 10, method: 'getRun', args: [ref] };
export const failed: BridgeResponse<'getRun'> = { type: 'response', id: 11, method: 'getRun', ok: false, error: 'No such run.' };
export const action: ActionMessage<'openCharts'> = { type: 'action', action: 'openCharts', args: [[ref]] };
