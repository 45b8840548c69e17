// The one seam between the shared UI and its host. The interfaces live in shared/protocol (the VS
// Code webview messages are derived from them); they are re-exported here, where the views and the
// editors have always imported them from.
import type { RunRef } from '@runlane/protocol';

export type { ChartsBridge, HostBridge, RunRef, SeriesRequest, SourcedRun } from '@runlane/protocol';

export function runKey(ref: RunRef): string {
  return `${ref.source}::${ref.id}`;
}
