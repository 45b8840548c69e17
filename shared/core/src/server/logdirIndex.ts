// A TensorBoard log directory served by the daemon: re-read every second (appended bytes only;
// TensorBoard itself reloads every 5 s), new runs, points and status changes published on the feed.
// Event files hold no status: a run is running while a process holds its files open (or, where that
// cannot be seen, while they change), and turns finished when they are closed (or have been quiet
// for a while), which no file event announces; every poll compares the statuses, and
// the params (an add_hparams folder joins its run, which then has params; that folder, if it was
// seen as a run of its own a moment before, is announced deleted).
import type { MetricSeries, RunDetail, RunStatus, RunSummary, StoreEvent } from '@runlane/protocol';
import { jsonNumber } from '@runlane/protocol';
import { MixedLogdir, type LogdirReader } from '../formats/dvclive/index.js';
import type { LogdirOptions } from '../formats/tfevents/index.js';
import { StoreError } from '../store/index.js';
import type { SeriesOptions } from '../store/series.js';
import type { RunSource } from './runSource.js';
import type { MediaSource } from '../store/media.js';

const POLL_MS = 1000;

export class LogdirIndex implements RunSource {
  private timer: NodeJS.Timeout | null = null;
  /** Each run's status as last published. */
  private known = new Map<string, RunStatus>();
  /** Each run's params as last published (JSON). */
  private knownParams = new Map<string, string>();
  private busy = false;

  private constructor(
    private readonly logdir: LogdirReader,
    private readonly publish: (event: StoreEvent) => void,
    private readonly now: () => number,
  ) {}

  /** `now`: Unix seconds (tests move it to see a quiet run turn finished). */
  static async open(dir: string, publish: (event: StoreEvent) => void, now = () => Date.now() / 1000, options: LogdirOptions = {}): Promise<LogdirIndex> {
    const index = new LogdirIndex(new MixedLogdir(dir, () => {}, options), publish, now);
    await index.logdir.refresh();
    const runs = index.logdir.runs(now());
    index.known = new Map(runs.map((r) => [r.id, r.status]));
    index.knownParams = new Map(runs.map((r) => [r.id, JSON.stringify(r.params)]));
    index.timer = setInterval(() => void index.poll(), POLL_MS);
    index.timer.unref();
    return index;
  }

  get dir(): string {
    return this.logdir.dir;
  }

  /** Its runs' images, texts and histograms (the media routes read them). */
  get mediaSource(): MediaSource | null {
    return this.logdir.mediaSource ?? null;
  }

  summaries(): RunSummary[] {
    return this.logdir.runs(this.now());
  }

  async detail(id: string): Promise<RunDetail> {
    const summary = this.logdir.summary(id, this.now());
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
      // A DVCLive run restarted in its folder: its old points are gone, so readers drop the run and read it anew.
      for (const id of this.logdir.takeRestarts?.() ?? []) {
        if (!this.known.delete(id)) continue;
        this.knownParams.delete(id);
        this.publish({ type: 'run-deleted', store: this.dir, run_id: id });
      }
      const runs = this.logdir.runs(this.now());
      for (const run of runs) {
        const before = this.known.get(run.id);
        const params = JSON.stringify(run.params);
        if (before === run.status && this.knownParams.get(run.id) === params) continue;
        this.known.set(run.id, run.status);
        this.knownParams.set(run.id, params);
        if (before === undefined) this.publish({ type: 'run-created', store: this.dir, run });
        else this.publish({ type: 'run-updated', store: this.dir, run, previous_status: before });
      }
      const ids = new Set(runs.map((r) => r.id));
      for (const id of [...this.known.keys()].filter((known) => !ids.has(known))) {
        this.known.delete(id);
        this.knownParams.delete(id);
        this.publish({ type: 'run-deleted', store: this.dir, run_id: id });
      }
      for (const p of points) {
        this.publish({ type: 'metrics', store: this.dir, run_id: p.runId, key: p.key, rank: null, steps: p.steps, times: p.times, values: p.values.map(jsonNumber) });
      }
      // Images, texts and histogram steps that arrived in runs a client has asked about.
      for (const n of (await this.logdir.mediaSource?.news?.()) ?? []) {
        if (n.items.length) this.publish({ type: 'media', store: this.dir, run_id: n.id, items: n.items });
        for (const [key, steps] of n.histograms) this.publish({ type: 'histograms', store: this.dir, run_id: n.id, key, steps });
      }
    } finally {
      this.busy = false;
    }
  }
}
