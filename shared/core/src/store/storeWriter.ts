// The TypeScript writer (the Python helper has its twin): creates runs and appends events, metric
// records and log bytes to this process's own files. Used by the daemon (renames, tags, jobs) and tests.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunKind, RunStatus } from '@runlane/protocol';
import { appendWhole, HeldAppends } from './appendWhole.js';
import { writeFileAtomic } from './atomicFile.js';
import { encodeRecord, METRIC_HEADER } from './metricCodec.js';
import {
  encodeKeyFile,
  validateExperiment,
  validateMetricKey,
  validateParamKey,
  validateRunId,
  validateRunName,
  validateNote,
  validateStream,
} from './names.js';
import { ensureStore } from './storeFormat.js';

export interface NewRun {
  name: string;
  experiment: string;
  kind: RunKind;
  id?: string;
  notebook?: string | null;
  cellId?: string | null;
  source?: string | null;
  executionCount?: number | null;
  /** The script a script or job run runs (absolute), for the editors' Open Script; omitted when absent. */
  script?: string;
}

export type WriterEvent =
  | { type: 'status'; status: Exclude<RunStatus, 'crashed'>; error?: string; exit_code?: number }
  | { type: 'params'; params: Record<string, unknown> }
  | { type: 'tags'; tags: Record<string, string | null> }
  | { type: 'name'; name: string }
  /** The run's note; null (or "") clears it. */
  | { type: 'note'; note: string | null };

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** `<pid>-<8 hex>`; a job worker's writer (`rank` given) is `r<rank>-<pid>-<8 hex>` (contract C1). */
export function newWriterId(pid = process.pid, rank?: number): string {
  const id = `${pid}-${randomBytes(4).toString('hex')}`;
  return rank === undefined ? id : `r${rank}-${id}`;
}

/** Non-finite floats as {"$float": ...}, because JSON cannot hold them (docs/store-format.md). */
export function encodeParamValue(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { $float: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  if (Array.isArray(value)) return value.map(encodeParamValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeParamValue(v)]));
  }
  return value;
}

export class StoreWriter {
  private readonly helloWritten = new Set<string>();
  /** Run id -> the greatest `t` this writer gave an event of that run (see appendEvent). */
  private readonly lastT = new Map<string, number>();
  /** Statuses and log lines a full store refused, retried until written (appendWhole.ts). */
  readonly held = new HeldAppends((message) => console.error(`runlane: ${this.dir}: ${message}`));

  private constructor(
    readonly dir: string,
    readonly writerId: string,
  ) {}

  /**
   * Opens (and creates when missing) a store for writing; refuses newer format versions. `rank`: the
   * writer writes for that worker of a job (its points form that rank's series, not the run's primary).
   */
  static async open(dir: string, options: { rank?: number } = {}): Promise<StoreWriter> {
    const writer = new StoreWriter(path.resolve(dir), newWriterId(process.pid, options.rank));
    await ensureStore(writer.dir, writer.writerId);
    return writer;
  }

  async createRun(run: NewRun): Promise<string> {
    validateRunName(run.name);
    validateExperiment(run.experiment);
    const id = run.id !== undefined ? validateRunId(run.id) : newRunId();
    const dir = path.join(this.dir, 'runs', id);
    await fs.mkdir(dir, { recursive: true });
    const source = run.source ?? null;
    if (source !== null) await writeFileAtomic(path.join(dir, 'source.py'), source, this.writerId);
    const meta = {
      id,
      name: run.name,
      experiment: run.experiment,
      created_at: Date.now() / 1000,
      kind: run.kind,
      writer: this.writerId,
      host: os.hostname(),
      pid: process.pid,
      notebook: run.notebook ?? null,
      cell_id: run.cellId ?? null,
      source_sha256: source === null ? null : createHash('sha256').update(source, 'utf8').digest('hex'),
      execution_count: run.executionCount ?? null,
      ...(run.script !== undefined ? { script: run.script } : {}),
    };
    await writeFileAtomic(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 1)}\n`, this.writerId);
    return id;
  }

  appendEvent(runId: string, event: WriterEvent, t = Date.now() / 1000): void {
    validateRunId(runId);
    if (event.type === 'name') validateRunName(event.name);
    if (event.type === 'params') Object.keys(event.params).forEach((k) => validateParamKey(k));
    if (event.type === 'tags') Object.keys(event.tags).forEach((k) => validateParamKey(k, 'tag key'));
    if (event.type === 'note' && event.note !== null) validateNote(event.note);
    const body = event.type === 'params' ? { ...event, params: encodeParamValue(event.params) } : event;
    // A status is the daemon's own record of a job and is held while the store is full; an edit
    // (name, tags, params) is the user's, who gets the error and can try again.
    // Readers order events by `t`: a clock set back while a job runs (NTP, a restored VM) must not put
    // its `finished` before its `running`. Within this writer's file `t` never decreases.
    const last = this.lastT.get(runId);
    const at = last === undefined ? t : Math.max(t, last);
    this.lastT.set(runId, at);
    this.appendLines(runId, [{ t: at, ...body }], event.type === 'status');
  }

  logMetric(runId: string, key: string, step: number, value: number, time = Date.now() / 1000): void {
    this.logMetrics(runId, key, [{ step, value, time }]);
  }

  logMetrics(runId: string, key: string, points: { step: number; value: number; time: number }[]): void {
    validateRunId(runId);
    validateMetricKey(key);
    const dir = path.join(this.dir, 'runs', runId, 'metrics', this.writerId);
    const file = path.join(dir, encodeKeyFile(key));
    const records = points.map((p) => encodeRecord(p.step, p.time, p.value));
    appendWhole(file, dir, Buffer.concat(records), METRIC_HEADER);
  }

  appendLog(runId: string, stream: string, bytes: Buffer | string): void {
    validateRunId(runId);
    validateStream(stream);
    const dir = path.join(this.dir, 'runs', runId, 'logs', this.writerId);
    this.held.append(path.join(dir, `${stream}.log`), dir, bytes, false);
  }

  private appendLines(runId: string, events: object[], hold: boolean): void {
    const dir = path.join(this.dir, 'runs', runId, 'events');
    const lines: object[] = [];
    if (!this.helloWritten.has(runId)) {
      lines.push({ t: Date.now() / 1000, type: 'hello', host: os.hostname(), pid: process.pid });
      this.helloWritten.add(runId);
    }
    lines.push(...events);
    const file = path.join(dir, `${this.writerId}.jsonl`);
    const text = lines.map((e) => `${JSON.stringify(e)}\n`).join('');
    try {
      if (hold) this.held.append(file, dir, text, true);
      else appendWhole(file, dir, text);
    } catch (err) {
      if (lines.length > events.length) this.helloWritten.delete(runId); // the hello goes with the next try
      throw err;
    }
  }
}
