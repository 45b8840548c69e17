// One run folder, read incrementally: a byte offset per file, so a refresh reads only what was
// appended since the last one. The CLI uses it once per run; the daemon keeps one per run and calls
// refresh(path) for each changed file.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunKind, RunSummary } from '@runlane/protocol';
import { isTempFile } from './atomicFile.js';
import { EventsTail, MetricsTail, warnToStderr, type Warn } from './fileTail.js';
import { MetricAccumulator } from './metricSummary.js';
import { decodeKeyFile, writerRank } from './names.js';
import { compareEvents, effectiveStatus, foldEvents, type FoldedRun, type OrderedEvent } from './runFold.js';
import { parseStorePath } from './storePaths.js';

export interface LiveRunUpdate {
  /** meta.json appeared in this refresh. */
  created: boolean;
  statusChanged: boolean;
  /** Name, params, tags or status changed. */
  metaChanged: boolean;
  /**
   * New points since the previous refresh (never reported by the first refresh, which reads the past),
   * with the rank of the writer that logged them (null: a writer without a rank).
   */
  metrics: { key: string; rank: number | null; steps: number[]; times: number[]; values: number[] }[];
  /** New log bytes since the previous refresh (same rule). */
  logs: { writer: string; stream: string; offset: number; length: number }[];
}

interface MetricFile {
  key: string;
  writer: string;
  rank: number | null;
  tail: MetricsTail;
}

const NO_EVENTS: FoldedRun = foldEvents([]);
Object.freeze(NO_EVENTS.params);
Object.freeze(NO_EVENTS.tags);

export class LiveRun {
  readonly dir: string;
  private meta: Record<string, unknown> | null = null;
  private events: OrderedEvent[] = [];
  /** Shared until the first events are folded (never mutated: a fold makes a new one), so that
   * 10,000 runs taken from the run index do not each hold an empty fold. */
  private folded: FoldedRun = NO_EVENTS;
  // The collections below are made when first used: 100,000 runs taken from the run index hold only
  // their summary, and five empty collections each would cost them 1.1 KB a run (110 MB).
  private lazy: {
    eventTails?: Map<string, EventsTail>;
    metricFiles?: Map<string, MetricFile>;
    accumulators?: Map<string, MetricAccumulator>;
    ranks?: Set<number>;
    logSizes?: Map<string, number>;
  } | null = null;
  private get eventTails(): Map<string, EventsTail> {
    return ((this.lazy ??= {}).eventTails ??= new Map());
  }
  private get metricFiles(): Map<string, MetricFile> {
    return ((this.lazy ??= {}).metricFiles ??= new Map());
  }
  /** Per key, over the primary series only (rank 0 and writers without a rank): what summaries show. */
  private get accumulators(): Map<string, MetricAccumulator> {
    return ((this.lazy ??= {}).accumulators ??= new Map());
  }
  /** Ranks of the writers that have logged at least one point. */
  private get ranks(): Set<number> {
    return ((this.lazy ??= {}).ranks ??= new Set());
  }
  private get logSizes(): Map<string, number> {
    return ((this.lazy ??= {}).logSizes ??= new Map());
  }
  private refreshed = false;
  /** The summary the run index gave for a settled run whose files were unchanged; the run's files
   * are read (and this dropped) only on its first refresh, so a closed run costs its summary only. */
  private seed: RunSummary | null = null;

  constructor(
    readonly storeDir: string,
    readonly runId: string,
    private readonly warn: Warn = warnToStderr,
  ) {
    this.dir = path.join(storeDir, 'runs', runId);
  }

  /** A run known only by its indexed summary (runIndex.ts) until something asks for more. */
  static fromSummary(storeDir: string, runId: string, summary: RunSummary, warn: Warn = warnToStderr): LiveRun {
    const run = new LiveRun(storeDir, runId, warn);
    run.seed = summary;
    return run;
  }

  /** True while the run holds only its indexed summary: details need a refresh() first. */
  get seeded(): boolean {
    return this.seed !== null;
  }

  /** Reads what changed: the one file at `changedPath`, or the whole folder when omitted. */
  async refresh(changedPath?: string): Promise<LiveRunUpdate> {
    const update: LiveRunUpdate = { created: false, statusChanged: false, metaChanged: false, metrics: [], logs: [] };
    const report = this.refreshed;
    const before = this.summary();
    const seeded = this.seed !== null;
    // A run taken from the index keeps its indexed summary until its files are read: a listing asked
    // for meanwhile (the charts panel opened while the details panel reads the run) still has it.
    const files = changedPath === undefined || !this.refreshed ? await this.listFiles() : [changedPath];
    let eventsChanged = false;
    for (const file of files) {
      const where = parseStorePath(this.storeDir, file);
      if (!where || where.runId !== this.runId) continue;
      if (where.kind === 'meta') await this.readMeta();
      else if (where.kind === 'events' && where.writer) eventsChanged = (await this.readEvents(file, where.writer)) || eventsChanged;
      else if (where.kind === 'metrics' && where.writer && where.name) await this.readMetrics(file, where.writer, where.name, report ? update : null);
      else if (where.kind === 'logs' && where.writer && where.name) await this.readLogSize(file, where.writer, where.name, report ? update : null);
    }
    if (eventsChanged) this.folded = foldEvents(this.events);
    this.seed = null;
    this.refreshed = true;
    const after = this.summary();
    update.created = before === null && after !== null;
    if (before && after) {
      update.statusChanged = before.status !== after.status;
      update.metaChanged =
        update.statusChanged ||
        before.name !== after.name ||
        before.experiment !== after.experiment ||
        JSON.stringify(before.params) !== JSON.stringify(after.params) ||
        JSON.stringify(before.tags) !== JSON.stringify(after.tags) ||
        before.note !== after.note ||
        // The first read of an indexed run reports no points (it reads the past), so a change since
        // the index was written (points appended to a closed run) is told as a changed summary.
        (seeded && JSON.stringify(before) !== JSON.stringify(after));
    }
    return update;
  }

  /** The run as `ls --json` reports it; null while meta.json is missing. */
  summary(): RunSummary | null {
    if (this.seed) return this.seed;
    if (!this.meta) return null;
    return summarize(this.runId, this.meta, this.folded, this.accumulators, this.ranks);
  }

  metaObject(): Record<string, unknown> | null {
    return this.meta;
  }

  logStreams(): { writer: string; stream: string; size: number }[] {
    return [...this.logSizes].map(([id, size]) => {
      const [writer, stream] = id.split('/') as [string, string];
      return { writer, stream, size };
    });
  }

  private async listFiles(): Promise<string[]> {
    const files = [path.join(this.dir, 'meta.json')];
    for (const name of await listDir(path.join(this.dir, 'events'))) files.push(path.join(this.dir, 'events', name));
    for (const kind of ['metrics', 'logs']) {
      for (const writer of await listDir(path.join(this.dir, kind))) {
        for (const name of await listDir(path.join(this.dir, kind, writer))) {
          files.push(path.join(this.dir, kind, writer, name));
        }
      }
    }
    return files;
  }

  private async readMeta(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, 'meta.json'), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const meta = JSON.parse(text) as unknown;
      if (typeof meta === 'object' && meta !== null && !Array.isArray(meta)) this.meta = meta as Record<string, unknown>;
      else this.warn(`${this.dir}/meta.json is not a JSON object; the run was skipped.`);
    } catch {
      this.warn(`${this.dir}/meta.json is not valid JSON; the run was skipped.`);
    }
  }

  private async readEvents(file: string, writer: string): Promise<boolean> {
    let tail = this.eventTails.get(writer);
    if (!tail) this.eventTails.set(writer, (tail = new EventsTail(file, this.warn)));
    const lines = await tail.read();
    if (lines.length === 0) return false;
    for (const { line, event } of lines) this.events.push({ writer, line, event });
    this.events.sort(compareEvents);
    return true;
  }

  private async readMetrics(file: string, writer: string, fileName: string, update: LiveRunUpdate | null): Promise<void> {
    let entry = this.metricFiles.get(file);
    if (!entry) {
      const key = decodeKeyFile(fileName);
      if (key === null) return;
      entry = { key, writer, rank: writerRank(writer), tail: new MetricsTail(file, this.warn) };
      this.metricFiles.set(file, entry);
    }
    const { key, rank } = entry;
    // Other ranks' points stay out of the summaries (two ranks logging `loss` must not make one
    // staircase whose "last" depends on which rank flushed last); charts read them per rank.
    let acc: MetricAccumulator | null = null;
    if (rank === null || rank === 0) {
      acc = this.accumulators.get(key) ?? null;
      if (!acc) this.accumulators.set(key, (acc = new MetricAccumulator()));
    }
    await entry.tail.read((firstIndex, points) => {
      acc?.add(writer, firstIndex, points);
      if (rank !== null && points.values.length > 0) this.ranks.add(rank);
      if (update) {
        update.metrics.push({ key, rank, steps: Array.from(points.steps), times: Array.from(points.times), values: Array.from(points.values) });
      }
    });
  }

  private async readLogSize(file: string, writer: string, fileName: string, update: LiveRunUpdate | null): Promise<void> {
    if (!fileName.endsWith('.log')) return;
    const stream = fileName.slice(0, -'.log'.length);
    let size: number;
    try {
      size = (await fs.stat(file)).size;
    } catch {
      return;
    }
    const id = `${writer}/${stream}`;
    const previous = this.logSizes.get(id) ?? 0;
    if (size <= previous) return;
    this.logSizes.set(id, size);
    if (update) update.logs.push({ writer, stream, offset: previous, length: size - previous });
  }
}

/**
 * A run's summary from what was read of it: meta.json, its folded events, the metric summaries of
 * its primary series and the ranks that logged. Shared by LiveRun and the run index's one-shot scan
 * (runScan.ts), so both report a run exactly alike.
 */
export function summarize(runId: string, meta: Record<string, unknown>, f: FoldedRun, accumulators: ReadonlyMap<string, MetricAccumulator>, ranks: ReadonlySet<number>): RunSummary {
  const metrics: RunSummary['metrics'] = {};
  for (const key of [...accumulators.keys()].sort()) {
    const summary = accumulators.get(key)!.summary();
    if (summary) metrics[key] = summary;
  }
  const endedAt = f.status !== null && f.ended_at !== null && f.status !== 'running' && f.status !== 'queued' ? f.ended_at : null;
  return {
    id: runId,
    name: f.name ?? str(meta.name) ?? runId,
    experiment: f.experiment ?? str(meta.experiment) ?? 'Default',
    // A job's status is the daemon's to keep (it re-adopts workers that outlive it), not the writer's.
    status: meta.kind === 'job' ? (f.status ?? 'queued') : effectiveStatus(withMetaWriter(f, meta)),
    kind: (str(meta.kind) ?? 'script') as RunKind,
    created_at: num(meta.created_at) ?? 0,
    started_at: f.started_at,
    ended_at: endedAt,
    duration: endedAt !== null && f.started_at !== null ? endedAt - f.started_at : null,
    notebook: str(meta.notebook),
    cell_id: str(meta.cell_id),
    execution_count: num(meta.execution_count),
    params: f.params,
    tags: f.tags,
    metrics,
    ranks: [...ranks].sort((a, b) => a - b),
    error: f.error,
    exit_code: f.exit_code,
    // Only when set: most runs have none, and `ls --json` stays as it was for them.
    ...(f.note !== null ? { note: f.note } : {}),
  };
}

/** A run with no status event yet is judged by the process that created it. */
function withMetaWriter(f: FoldedRun, meta: Record<string, unknown>): FoldedRun {
  if (f.statusWriter !== null) return f;
  const writer = str(meta.writer);
  const host = str(meta.host);
  const pid = num(meta.pid);
  if (writer === null || host === null || pid === null) return f;
  const writers = new Map(f.writers);
  if (!writers.has(writer)) writers.set(writer, { host, pid });
  return { ...f, statusWriter: writer, writers };
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((name) => !isTempFile(name)).sort();
  } catch {
    return [];
  }
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
