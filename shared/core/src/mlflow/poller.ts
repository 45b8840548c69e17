// Live updates from an MLflow server, which has no push feed: while a client watches, about every
// second ask only what can have changed (runs started since the newest seen, running runs, runs that
// were running, runs a client views), then the new points of running runs from the last step seen;
// back off when the server is slow or failing; ask nothing while nobody watches.
import type { MetricSeries } from '@runlane/protocol';
import type { MlflowSource } from './mlflowSource.js';
import { MAX_SAMPLED } from './mlflowSource.js';
import { int, metricValue, quoteFilterValue, type MlflowMetric, type MlflowRun } from './readMapping.js';

const MAX_BACKOFF_MS = 30_000;
/** A view of a run (detail or series) keeps it refreshed this long. */
const VIEW_MS = 60_000;
/** Runs that ended or are viewed are asked about on every this-many polls; running ones on every poll. */
const SLOW_EVERY = 5;
/** The experiments are read again every this-many polls (new experiments' runs then show). */
const EXPERIMENTS_EVERY = 15;
const IN_CHUNK = 100;

interface Seen {
  step: number;
  /** Unix ms of the newest point seen at `step`. */
  time: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export class MlflowPoller {
  /** Per run, per MLflow metric key: the last point published or served. */
  private readonly seen = new Map<string, Map<string, Seen>>();
  private readonly views = new Map<string, number>();
  /** Runs this poller announced as created: their points are published from the first. */
  private readonly fresh = new Set<string>();
  private polls = 0;
  /** Polls failed in a row (the backoff doubles with each). */
  private failures = 0;
  private lastPoll = 0;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  /** The last poll's failure, for requests made while it lasts. */
  lastError: Error | null = null;
  /** The delay before the next poll (grows with failures and slowness). */
  delayMs: number;

  constructor(
    private readonly source: MlflowSource,
    private readonly periodMs: number,
    private readonly watched: () => boolean,
  ) {
    this.delayMs = periodMs;
    this.lastPoll = Date.now();
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  viewed(runId: string): void {
    this.views.set(runId, Date.now());
  }

  /** A client got `series` up to its last step: new points are published from there on. */
  served(runId: string, mkey: string, series: MetricSeries): void {
    if (series.downsampled || series.steps.length === 0) return;
    const keys = this.seen.get(runId) ?? new Map<string, Seen>();
    const last = { step: series.steps[series.steps.length - 1]!, time: Math.round(series.times[series.times.length - 1]! * 1000) };
    const before = keys.get(mkey);
    // Never skip ahead of what the feed published: a repeated point is harmless, a gap is not.
    if (!before || last.step < before.step) keys.set(mkey, last);
    this.seen.set(runId, keys);
  }

  async pollIfOlder(maxAgeMs: number): Promise<void> {
    if (this.inFlight || Date.now() - this.lastPoll >= maxAgeMs || this.lastError) await this.pollOnce();
    if (this.lastError) throw this.lastError;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await sleep(this.watched() ? this.delayMs : 250);
      if (this.stopped || !this.watched()) continue;
      await this.pollOnce();
    }
  }

  private pollOnce(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const started = Date.now();
    this.inFlight = this.poll()
      .then(() => {
        this.lastError = null;
        this.failures = 0;
        // A slow server sets the pace: a poll that took longer than the period waits as long again.
        this.delayMs = Math.max(this.periodMs, Date.now() - started);
      })
      .catch((err: Error) => {
        // Once per new failure, in the daemon's log; requests get the sentence (pollIfOlder).
        if (err.message !== this.lastError?.message) process.stderr.write(`runlane: polling ${this.source.dir} failed: ${err.message}\n`);
        this.lastError = err;
        this.failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, this.periodMs * 2 ** this.failures);
        this.delayMs = backoff / 2 + Math.random() * (backoff / 2); // jitter: clients of one server spread out
      })
      .finally(() => {
        this.lastPoll = Date.now();
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private async poll(): Promise<void> {
    const src = this.source;
    this.polls++;
    const runs = [...src.runs.values()];
    const newest = runs.reduce((m, r) => Math.max(m, r.started_at ?? 0), 0);
    const wasRunning = runs.filter((r) => r.status === 'running' || r.status === 'queued').map((r) => r.id);
    // At once, not one after another: the lag of a new point is the period plus this round trip.
    // A new experiment found here has its runs searched from the next poll on.
    const [, started, running] = await Promise.all([
      this.polls % EXPERIMENTS_EVERY === 0 ? src.readExperiments() : src.readNewExperiments(), // the full read sees renames too
      src.searchAll(newest > 0 ? `attributes.start_time >= ${Math.floor(newest * 1000)}` : '', 1000),
      src.searchAll("attributes.status = 'RUNNING'"),
    ]);
    const got = new Map<string, MlflowRun>();
    for (const r of [...started, ...running]) got.set(r.info.run_id, r);
    for (const r of started) if (!src.runs.has(r.info.run_id)) this.fresh.add(r.info.run_id);
    const now = Date.now();
    for (const [id, at] of this.views) if (now - at > VIEW_MS) this.views.delete(id);
    const ask = wasRunning.filter((id) => !got.has(id));
    if (this.polls % SLOW_EVERY === 0) ask.push(...[...this.views.keys()].filter((id) => !got.has(id) && !ask.includes(id)));
    for (let i = 0; i < ask.length; i += IN_CHUNK) {
      const ids = ask.slice(i, i + IN_CHUNK).map(quoteFilterValue).join(', ');
      // Deleted ones too: a run deleted on the server is then announced gone (ingest).
      for (const r of await src.searchAll(`attributes.run_id IN (${ids})`, 1000, true)) got.set(r.info.run_id, r);
    }
    const list = [...got.values()];
    src.ingest(list, true);
    await this.newPoints(list.filter((r) => r.info.status === 'RUNNING' || wasRunning.includes(r.info.run_id)));
  }

  /** Publishes the points logged since the last seen step of each running run's metrics. */
  private async newPoints(runs: MlflowRun[]): Promise<void> {
    // Per key, the runs with something new and the lowest step to read from.
    const wanted = new Map<string, { ids: string[]; from: number; to: number }>();
    const whole: { id: string; key: string; after: Seen }[] = [];
    for (const run of runs) {
      const id = run.info.run_id;
      const keys = this.seen.get(id) ?? new Map<string, Seen>();
      this.seen.set(id, keys);
      for (const m of run.data?.metrics ?? []) {
        const latest = { step: int(m.step) ?? 0, time: int(m.timestamp) ?? 0 };
        let before = keys.get(m.key);
        if (!before) {
          // A run that started while watched is published from its first point; an older one from now on.
          if (!this.fresh.has(id)) {
            keys.set(m.key, latest);
            continue;
          }
          before = { step: -1, time: 0 };
          keys.set(m.key, before);
        }
        if (latest.step > before.step) {
          const w = wanted.get(m.key) ?? { ids: [], from: Infinity, to: 0 };
          w.ids.push(id);
          w.from = Math.min(w.from, before.step + 1);
          w.to = Math.max(w.to, latest.step); // the server wants both ends of a range
          wanted.set(m.key, w);
        } else if (latest.step === before.step && latest.time > before.time) {
          whole.push({ id, key: m.key, after: before }); // more points at the same step (a metric logged without steps)
        }
      }
    }
    for (const [key, w] of wanted) {
      for (let i = 0; i < w.ids.length; i += 100) {
        const ids = w.ids.slice(i, i + 100);
        const got = await this.source.http.get<{ metrics?: MlflowMetric[] }>('metrics/get-history-bulk-interval', {
          run_ids: ids,
          metric_key: key,
          start_step: w.from,
          end_step: w.to,
          max_results: MAX_SAMPLED,
        });
        const byRun = new Map<string, MlflowMetric[]>();
        for (const m of got.metrics ?? []) byRun.set(m.run_id ?? '', [...(byRun.get(m.run_id ?? '') ?? []), m]);
        for (const id of ids) {
          let points = byRun.get(id) ?? [];
          // Sampled: more than the server samples came since the last poll; read them all.
          if (points.length >= MAX_SAMPLED) points = await this.source.history(id, key);
          this.publishAfter(id, key, points, this.seen.get(id)!.get(key)!);
        }
      }
    }
    for (const { id, key, after } of whole) this.publishAfter(id, key, await this.source.history(id, key), after);
  }

  private publishAfter(id: string, mkey: string, points: MlflowMetric[], after: Seen): void {
    const fresh = points
      .map((m) => ({ step: int(m.step) ?? 0, time: int(m.timestamp) ?? 0, value: metricValue(m.value) }))
      .filter((p) => p.step > after.step || (p.step === after.step && p.time > after.time))
      .sort((a, b) => a.step - b.step || a.time - b.time);
    if (fresh.length === 0) return;
    const last = fresh[fresh.length - 1]!;
    this.seen.get(id)!.set(mkey, { step: last.step, time: last.time });
    const ranked = /^(.*)\/rank(\d+)$/.exec(mkey);
    const summary = this.source.runs.get(id);
    const isRank = ranked !== null && (summary?.ranks.length ?? 0) > 0;
    this.source.publish({
      type: 'metrics',
      store: this.source.dir,
      run_id: id,
      key: isRank ? ranked[1]! : mkey,
      rank: isRank ? Number(ranked[2]) : null,
      steps: fresh.map((p) => p.step),
      times: fresh.map((p) => p.time / 1000),
      values: fresh.map((p) => p.value),
    });
  }
}
