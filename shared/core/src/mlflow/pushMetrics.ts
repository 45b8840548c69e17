// The metric part of a push: each metric file of the run from the record the server last
// acknowledged, packed into log-batch requests within MLflow's limits, the journal replaced after
// every answer. Exactly once rests on three facts (docs/mlflow.md "Exactly once"): metric files are
// append-only with fixed-size records, so "records 0..n of file f" names the same points forever; the
// journal says n only once the server acknowledged them; and the one batch whose answer a crash cut
// off is settled by asking the server which of its points it holds (metrics/get-history) before
// anything after it is sent.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeKeyFile, decodeRecords, HEADER_SIZE, RECORD_SIZE, writerRank } from '../store/index.js';
import type { MlflowHttp } from './http.js';
import { LIMITS, metricValue, rankedKey, toMillis } from './pushMapping.js';
import { writeJournal, type SyncJournal } from './syncJournal.js';

export interface MetricFileInfo {
  /** `<writer>/<file>.rlm`, the journal's name for it. */
  id: string;
  file: string;
  /** The MLflow key its points go to; null when that name would pass MLflow's 250 characters. */
  mlKey: string | null;
  /** Whole records in the file now. */
  records: number;
}

/** Every metric file of a run, with the MLflow key of its points (docs/mlflow.md "Metrics and ranks"). */
export async function listMetricFiles(runDir: string): Promise<MetricFileInfo[]> {
  const out: MetricFileInfo[] = [];
  const metricsDir = path.join(runDir, 'metrics');
  let writers: string[];
  try {
    writers = await fs.readdir(metricsDir);
  } catch {
    return out;
  }
  for (const writer of writers.sort()) {
    let names: string[];
    try {
      names = await fs.readdir(path.join(metricsDir, writer));
    } catch {
      continue; // not a folder
    }
    for (const name of names.sort()) {
      if (!name.endsWith('.rlm') || name.includes('.tmp-')) continue;
      const key = decodeKeyFile(name);
      if (key === null) continue;
      const file = path.join(metricsDir, writer, name);
      const size = (await fs.stat(file)).size;
      const records = Math.max(0, Math.floor((size - HEADER_SIZE) / RECORD_SIZE));
      out.push({ id: `${writer}/${name}`, file, mlKey: rankedKey(key, writerRank(writer)), records });
    }
  }
  return out;
}

/** Reads records [from, to) of a metric file. */
async function readRecords(file: string, from: number, to: number): Promise<ReturnType<typeof decodeRecords>> {
  const handle = await fs.open(file, 'r');
  try {
    const length = (to - from) * RECORD_SIZE;
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buf, 0, length, HEADER_SIZE + from * RECORD_SIZE);
    return decodeRecords(buf.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** A point as the server reports it and as we send it, for comparing: step, ms, value (a SQL store's +/-Inf is +/-MAX_VALUE). */
function pointId(step: number, millis: number, value: number): string {
  const v = Number.isNaN(value) ? 'NaN' : value === Infinity ? String(Number.MAX_VALUE) : value === -Infinity ? String(-Number.MAX_VALUE) : String(value);
  return `${step}:${millis}:${v}`;
}

interface HistoryPage {
  metrics?: { step?: string | number; timestamp?: string | number; value?: number | string }[];
  next_page_token?: string;
}

/** The points the server holds for one key of a run, as pointIds. */
export async function serverPoints(http: MlflowHttp, runId: string, key: string): Promise<Set<string>> {
  const held = new Set<string>();
  let token: string | undefined;
  do {
    const page = await http.get<HistoryPage>('metrics/get-history', { run_id: runId, metric_key: key, max_results: 25_000, page_token: token });
    for (const m of page.metrics ?? []) held.add(pointId(Number(m.step ?? 0), Number(m.timestamp ?? 0), Number(m.value)));
    token = page.next_page_token || undefined;
  } while (token);
  return held;
}

export interface MetricProgress {
  /** Points the server acknowledged in this push. */
  pushed: number;
  /** Points still to push when this push began. */
  total: number;
}

export interface PushMetricsOptions {
  onProgress?: (p: MetricProgress) => void;
  signal?: AbortSignal;
  /** log-batch requests in flight at once (default 4). */
  concurrency?: number;
}

/**
 * Settles the batch a crash cut off: for each file with an in-flight range, the points of that range
 * the server already holds are not sent again (skipped by id); the others are. Returns, per file id,
 * the ids of the points to skip.
 */
async function reconcile(http: MlflowHttp, journal: SyncJournal, files: MetricFileInfo[]): Promise<Map<string, Set<string>>> {
  const skip = new Map<string, Set<string>>();
  const byKey = new Map<string, Set<string>>();
  for (const f of files) {
    const range = journal.inflight[f.id];
    if (!range || f.mlKey === null) continue;
    let held = byKey.get(f.mlKey);
    if (!held) byKey.set(f.mlKey, (held = await serverPoints(http, journal.server_run_id!, f.mlKey)));
    const to = Math.min(range[1], f.records);
    const already = new Set<string>();
    // In chunks: a journal that was lost makes the whole file uncertain, and it may be long.
    for (let from = Math.max(range[0], journal.files[f.id] ?? 0); from < to; from += RECONCILE_CHUNK) {
      const pts = await readRecords(f.file, from, Math.min(to, from + RECONCILE_CHUNK));
      for (let i = 0; i < pts.steps.length; i++) {
        const id = pointId(pts.steps[i]!, toMillis(pts.times[i]!), pts.values[i]!);
        if (held.has(id)) already.add(id);
      }
    }
    skip.set(f.id, already);
  }
  return skip;
}

/** Records read at once while settling an uncertain range (2.4 MB). */
const RECONCILE_CHUNK = 100_000;

interface BatchMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

class Batch {
  readonly body: BatchMetric[] = [];
  /** Per file id, the records [from, to) this batch covers (sent or skipped). */
  readonly ranges = new Map<string, [number, number]>();
  /** key + point ids in this batch: MLflow keeps one row per (key, step, timestamp, value), and the
   * same row twice in one request fails the whole request. */
  readonly seen = new Set<string>();
  points = 0;
  /** About the JSON size of `body`. */
  bytes = 0;
}

/**
 * Pushes every record the server has not acknowledged, up to `concurrency` log-batch requests at once
 * (the server's SQL insert is most of a request's time). Before a batch goes, the journal names it
 * (`inflight`); a file's `files` count advances only over batches that were all answered 200, in the
 * order they were sent, so what the journal calls acknowledged always is. In-flight ranges a crashed
 * push left are reconciled first, and stay named in the journal until they are acknowledged.
 */
export async function pushMetrics(http: MlflowHttp, runDir: string, journal: SyncJournal, options: PushMetricsOptions = {}): Promise<number> {
  const runId = journal.server_run_id!;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const files = (await listMetricFiles(runDir)).filter((f) => f.mlKey !== null);
  const skip = await reconcile(http, journal, files);
  const uncertain = { ...journal.inflight };
  const total = files.reduce((n, f) => n + Math.max(0, f.records - (journal.files[f.id] ?? 0)), 0);
  let pushed = 0;
  /** Points sent and acknowledged (records the server already held are covered, not sent). */
  let sent = 0;
  // The first failed request (set in a callback: an object, so the checks below see it change).
  const failed: { error: Error | null } = { error: null };
  /** Batches sent and not yet acknowledged in order, oldest first. */
  const inOrder: { batch: Batch; done: boolean }[] = [];
  const running = new Set<Promise<void>>();

  /** Acknowledges the answered batches at the head of the send order; names the rest as in flight. */
  const settle = () => {
    while (inOrder.length > 0 && inOrder[0]!.done) {
      const { batch } = inOrder.shift()!;
      for (const [id, r] of batch.ranges) journal.files[id] = r[1];
      pushed += batch.points;
      sent += batch.body.length;
    }
    const inflight: Record<string, [number, number]> = {};
    const widen = (id: string, r: [number, number]) => {
      const cur = inflight[id];
      inflight[id] = cur ? [Math.min(cur[0], r[0]), Math.max(cur[1], r[1])] : [r[0], r[1]];
    };
    for (const [id, r] of Object.entries(uncertain)) if ((journal.files[id] ?? 0) < r[1]) widen(id, r);
    for (const { batch } of inOrder) for (const [id, r] of batch.ranges) widen(id, r);
    journal.inflight = inflight;
    journal.pushed_at = Date.now() / 1000;
  };

  const send = async (batch: Batch): Promise<void> => {
    const entry = { batch, done: false };
    inOrder.push(entry);
    settle();
    await writeJournal(runDir, journal); // names this batch before it can reach the server
    if (batch.body.length === 0) {
      entry.done = true;
      return;
    }
    // No retry inside the client: a batch whose answer was lost is settled by the next pass, which
    // asks the server what it holds instead of sending the batch blind a second time.
    const request = http
      .post('runs/log-batch', { run_id: runId, metrics: batch.body }, { signal: options.signal, retries: 0 })
      .then(
        () => {
          entry.done = true;
          settle();
          options.onProgress?.({ pushed, total });
        },
        (err: unknown) => {
          failed.error ??= err instanceof Error ? err : new Error(String(err));
        },
      )
      .finally(() => running.delete(request));
    running.add(request);
    while (running.size >= concurrency) await Promise.race(running);
  };

  let batch = new Batch();
  outer: for (const f of files) {
    const key = f.mlKey!;
    const skipIds = skip.get(f.id);
    let at = journal.files[f.id] ?? 0;
    while (at < f.records) {
      if (failed.error) break outer;
      const take = Math.min(f.records - at, LIMITS.metricsPerBatch - batch.body.length);
      const pts = await readRecords(f.file, at, at + take);
      const n = pts.steps.length;
      if (n === 0) break; // a torn last record: pushed once it is whole
      for (let i = 0; i < n; i++) {
        const step = pts.steps[i]!;
        const ms = toMillis(pts.times[i]!);
        const id = pointId(step, ms, pts.values[i]!);
        if (skipIds?.has(id) || batch.seen.has(`${key}\n${id}`)) continue;
        batch.seen.add(`${key}\n${id}`);
        batch.body.push({ key, value: metricValue(pts.values[i]!), timestamp: ms, step });
        batch.bytes += key.length + 90;
      }
      const prev = batch.ranges.get(f.id);
      batch.ranges.set(f.id, [prev ? prev[0] : at, at + n]);
      batch.points += n;
      at += n;
      if (batch.body.length >= LIMITS.metricsPerBatch || batch.bytes >= LIMITS.batchBytes) {
        await send(batch);
        batch = new Batch();
      }
    }
  }
  if (!failed.error && batch.ranges.size > 0) await send(batch);
  await Promise.all(running);
  settle();
  await writeJournal(runDir, journal);
  if (failed.error) throw failed.error;
  return sent;
}
