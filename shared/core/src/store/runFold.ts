// Folds a run's events (from every writer) into its current state, per docs/store-format.md "Events".
// Events are few (status, params, tags, name), so the fold is recomputed from the sorted list whenever
// new events arrive; that keeps late events from a slow writer in their right place.
import * as os from 'node:os';
import type { RunStatus } from '@runlane/protocol';
import { processIsAlive } from '../processAlive.js';

export interface StoreEventLine {
  t: number;
  type: string;
  [field: string]: unknown;
}

export interface OrderedEvent {
  writer: string;
  line: number;
  event: StoreEventLine;
}

export interface FoldedRun {
  status: RunStatus | null;
  /** The writer that wrote the current status (for the derived `crashed` status). */
  statusWriter: string | null;
  name: string | null;
  /** From `experiment` events (rl.run(experiment=...) joining a job's run); null: meta.json's. */
  experiment: string | null;
  params: Record<string, unknown>;
  tags: Record<string, string>;
  /** From `note` events, last wins; null when none or cleared. */
  note: string | null;
  started_at: number | null;
  ended_at: number | null;
  error: string | null;
  exit_code: number | null;
  writers: Map<string, { host: string; pid: number }>;
}

const STORED_STATUSES = new Set(['queued', 'running', 'finished', 'failed', 'interrupted', 'cancelled', 'pruned']);
const LIVE_STATUSES = new Set(['queued', 'running']);

export function compareEvents(a: OrderedEvent, b: OrderedEvent): number {
  if (a.event.t !== b.event.t) return a.event.t - b.event.t;
  if (a.writer !== b.writer) return a.writer < b.writer ? -1 : 1;
  return a.line - b.line;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `events` must already be sorted with compareEvents. Unknown event types are ignored. */
export function foldEvents(events: readonly OrderedEvent[]): FoldedRun {
  const run: FoldedRun = {
    status: null,
    statusWriter: null,
    name: null,
    experiment: null,
    params: {},
    tags: {},
    note: null,
    started_at: null,
    ended_at: null,
    error: null,
    exit_code: null,
    writers: new Map(),
  };
  for (const { writer, event } of events) {
    switch (event.type) {
      case 'hello':
        if (typeof event.host === 'string' && typeof event.pid === 'number') {
          run.writers.set(writer, { host: event.host, pid: event.pid });
        }
        break;
      case 'status':
        if (typeof event.status !== 'string' || !STORED_STATUSES.has(event.status)) break;
        run.status = event.status as RunStatus;
        run.statusWriter = writer;
        run.error = typeof event.error === 'string' ? event.error : null;
        run.exit_code = typeof event.exit_code === 'number' ? event.exit_code : null;
        if (event.status === 'running' && run.started_at === null) run.started_at = event.t;
        if (!LIVE_STATUSES.has(event.status)) run.ended_at = event.t;
        break;
      case 'params':
        if (isPlainObject(event.params)) Object.assign(run.params, event.params);
        break;
      case 'tags':
        if (!isPlainObject(event.tags)) break;
        for (const [key, value] of Object.entries(event.tags)) {
          if (value === null) delete run.tags[key];
          else if (typeof value === 'string') run.tags[key] = value;
        }
        break;
      case 'name':
        if (typeof event.name === 'string') run.name = event.name;
        break;
      case 'note':
        // A string sets it ("" clears, as null does); anything else is a writer's mistake, skipped.
        if (typeof event.note === 'string' || event.note === null) run.note = event.note || null;
        break;
      case 'experiment':
        if (typeof event.experiment === 'string') run.experiment = event.experiment;
        break;
      default:
        break;
    }
  }
  return run;
}

/**
 * The status readers report: a live status whose writer ran on this host and is gone is `crashed`.
 * Nothing is written; a later status event from any writer wins as usual.
 */
export function effectiveStatus(run: FoldedRun, hostname: string = os.hostname()): RunStatus {
  const status = run.status ?? 'running';
  if (!LIVE_STATUSES.has(status) || run.statusWriter === null) return status;
  const writer = run.writers.get(run.statusWriter);
  if (writer && writer.host === hostname && !processIsAlive(writer.pid)) return 'crashed';
  return status;
}
