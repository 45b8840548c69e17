// The one seam between the shared UI and its host: JupyterLab and VS Code each implement it (over
// the daemon's HTTP API), tests implement it over fixtures. Wire types come from shared/protocol.
import type { MetricSeries, RunSummary, StoreEvent } from '@runlane/protocol';

/** A run in a source: a store folder or a TensorBoard log directory (the daemon's `store` in events). */
export interface RunRef {
  source: string;
  id: string;
}

export interface SourcedRun {
  source: string;
  run: RunSummary;
}

export interface SeriesRequest {
  /** About the chart's pixel width: the host returns min/max-preserving buckets. */
  points: number;
  fromStep?: number;
  toStep?: number;
}

export interface HostBridge {
  listRuns(): Promise<SourcedRun[]>;
  getSeries(run: RunRef, key: string, request: SeriesRequest): Promise<MetricSeries>;
  /** Live changes; returns the function that stops them. */
  subscribe(onEvent: (event: StoreEvent) => void): () => void;
}

export function runKey(ref: RunRef): string {
  return `${ref.source}::${ref.id}`;
}
