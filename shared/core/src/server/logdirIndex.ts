// A TensorBoard log directory served by the daemon: re-read every second (appended bytes only;
// TensorBoard itself reloads every 5 s), new runs and points published on the feed.
import type { MetricSeries, RunDetail, RunSummary, StoreEvent } from '@runlane/protocol';
import { jsonNumber } from '@runlane/protocol';
import { TensorBoardLogdir } from '../formats/tfevents/index.js';
import { StoreError } from '../store/index.js';
import type { SeriesOptions } from '../store/series.js';
import type { RunSource } from './runSource.js';

const POLL_MS = 1000;

export class LogdirIndex implements RunSource {
  private timer: NodeJS.Timeout | null = null;
  private known = new Set<string>();
  private busy = false;

  private constructor(
    private readonly logdir: TensorBoardLogdir,
    private readonly publish: (event: StoreEvent) => void,
  ) {}

  static async open(dir: string, publish: (event: StoreEvent) => void): Promise<LogdirIndex> {
    const index = new LogdirIndex(new TensorBoardLogdir(dir, () => {}), publish);
    await index.logdir.refresh();
    index.known = new Set(index.logdir.runIds());
    index.timer = setInterval(() => void index.poll(), POLL_MS);
    index.timer.unref();
    return index;
  }

  get dir(): string {
    return this.logdir.dir;
  }

  summaries(): RunSummary[] {
    return this.logdir.runs();
  }

  async detail(id: string): Promise<RunDetail> {
    const summary = this.logdir.summary(id);
    if (!summary) throw new StoreError('not_found', `No run "${id}" in the TensorBoard log directory ${this.dir}.`);
    return { ...summary, source: null, env: null, meta: { logdir: this.dir }, logs: [] };
  }

  async series(id: string, key: string, options: SeriesOptions): Promise<MetricSeries> {
    return this.logdir.readSeries(id, key, options);
  }

  async log(id: string): Promise<{ bytes: Buffer; size: number }> {
    throw new StoreError('not_found', `Run "${id}" comes from TensorBoard event files, which hold no logs.`);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const points = await this.logdir.refresh();
      for (const id of this.logdir.runIds()) {
        if (this.known.has(id)) continue;
        this.known.add(id);
        this.publish({ type: 'run-created', store: this.dir, run: this.logdir.summary(id)! });
      }
      for (const p of points) {
        this.publish({ type: 'metrics', store: this.dir, run_id: p.runId, key: p.key, steps: p.steps, times: p.times, values: p.values.map(jsonNumber) });
      }
    } finally {
      this.busy = false;
    }
  }
}
