// The one seam between the shared UI and its host: JupyterLab and VS Code each implement it (over
// the daemon's HTTP API, or over webview messages to the extension host), tests implement it over
// fixtures. It lives here, beside the wire types, because VS Code's webview messages are derived
// from its method signatures (webview.ts): a method's arguments are typed from the view to the host.
import type { ArtifactInfo, RunPatch, StoreEvent } from './api.js';
import type { JobCreated } from './jobs.js';
import type { MediaBridge } from './media.js';
import type { MetricSeries, RunDetail, RunRef, RunSummary, SeriesRequest, SourcedRun } from './runs.js';

/** What the charts panel needs: reading runs and series, and the live feed. */
export interface ChartsBridge {
  listRuns(): Promise<SourcedRun[]>;
  getSeries(run: RunRef, key: string, request: SeriesRequest): Promise<MetricSeries>;
  /** Live changes; returns the function that stops them. */
  subscribe(onEvent: (event: StoreEvent) => void): () => void;
}

/** Everything a host offers the shared views: reading (details, logs, artifacts) and run actions. */
export interface HostBridge extends ChartsBridge, MediaBridge {
  getRun(run: RunRef): Promise<RunDetail>;
  /** Log bytes from `offset` (at most `length` of them; default: to the end), and the stream's current size. */
  readLog(run: RunRef, writer: string, stream: string, offset: number, length?: number): Promise<{ bytes: Uint8Array; size: number }>;
  listArtifacts(run: RunRef): Promise<ArtifactInfo[]>;
  readArtifact(run: RunRef, path: string): Promise<Uint8Array>;
  /** Rename and tag; a `null` tag value removes the tag. */
  updateRun(run: RunRef, patch: RunPatch): Promise<RunSummary>;
  /** Moves the run to the store's trash; refused while a job still runs. */
  deleteRun(run: RunRef): Promise<void>;
  /** Brings a deleted run back from the store's trash (the undo of deleteRun); absent in hosts that cannot. */
  restoreRun?(run: RunRef): Promise<RunSummary>;
  cancelJob(run: RunRef): Promise<void>;
  /** Stops a running run (contract C2): a job is cancelled, a cell or script run interrupted. */
  stopRun?(run: RunRef): Promise<void>;
  /** Submits a job again with its spec; `params` override the cell's top-level assignments. */
  rerunJob(run: RunRef, params?: Record<string, unknown>): Promise<JobCreated>;
}
