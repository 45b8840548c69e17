// Public entry point of @runlane/ui. The charts and views arrive with their own issue; what the
// foundation fixes is the one seam through which both editors feed the UI.
import type { MetricSeries, RunQuery, RunSummary, StoreEvent } from '@runlane/protocol';

/** What the UI asks of its host; JupyterLab and VS Code each implement it. */
export interface HostBridge {
  listRuns(query: RunQuery): Promise<RunSummary[]>;
  getSeries(runId: string, key: string, points: number): Promise<MetricSeries>;
  subscribe(onEvent: (event: StoreEvent) => void): () => void;
}
