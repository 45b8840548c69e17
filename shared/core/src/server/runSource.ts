// What the routes read runs from: the embedded store's live index, or a TensorBoard log directory.
import type { MetricSeries, RunDetail, RunSummary } from '@runlane/protocol';
import type { SeriesOptions } from '../store/series.js';

export interface RunSource {
  readonly dir: string;
  summaries(): RunSummary[];
  detail(id: string): Promise<RunDetail>;
  series(id: string, key: string, options: SeriesOptions): Promise<MetricSeries>;
  log(id: string, writer: string, stream: string, offset: number, length: number): Promise<{ bytes: Buffer; size: number }>;
  close(): Promise<void>;
}
