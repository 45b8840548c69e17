// The one seam between the shared UI and its host: JupyterLab and VS Code each implement it (over
// the daemon's HTTP API), tests implement it over fixtures. Wire types come from shared/protocol.
import type { MetricSeries, RunRef, SeriesRequest, SourcedRun, StoreEvent } from '@runlane/protocol';

export type { RunRef, SeriesRequest, SourcedRun };

export interface HostBridge {
  listRuns(): Promise<SourcedRun[]>;
  getSeries(run: RunRef, key: string, request: SeriesRequest): Promise<MetricSeries>;
  /** Live changes; returns the function that stops them. */
  subscribe(onEvent: (event: StoreEvent) => void): () => void;
}

export function runKey(ref: RunRef): string {
  return `${ref.source}::${ref.id}`;
}
