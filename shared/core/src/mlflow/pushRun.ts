// One push of one local run to an MLflow tracking server (docs/mlflow.md "Pushing and syncing"):
// the experiment and the server run (found again by its `runlane.run_id` tag, never made twice),
// params and tags that changed, every metric point not yet acknowledged, the status, and the run's
// files as artifacts. Called once by `runlane push`, and pass after pass by the daemon's auto-sync:
// each pass sends only what the journal says the server lacks.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunSummary } from '@runlane/protocol';
import { StoreReader } from '../store/index.js';
import { MlflowError, type MlflowHttp } from './http.js';
import { pushArtifacts } from './pushArtifacts.js';
import { listMetricFiles, pushMetrics, type MetricProgress } from './pushMetrics.js';
import { CHANGED_PARAMS_TAG, cut, CUT_PARAMS_TAG, LIMITS, mapParams, mapTags, mlflowStatus, renamedKeys, RENAMED_KEYS_TAG, RUN_ID_TAG, toMillis, type RunFacts } from './pushMapping.js';
import { lockJournal, readJournal, writeJournal, type SyncJournal } from './syncJournal.js';

export interface PushOptions {
  onProgress?: (p: MetricProgress) => void;
  signal?: AbortSignal;
  /** Upload logs and artifacts even while the run is live (default: once it has ended). */
  files?: 'always' | 'settled';
  /** log-batch requests in flight at once (default 4). */
  concurrency?: number;
}

export interface PushResult {
  serverRunId: string;
  experimentId: string;
  /** The run's page in the MLflow UI. */
  url: string;
  /** Points the server acknowledged in this push. */
  points: number;
  journal: SyncJournal;
}

/** Thrown when a push cannot go on without the user; the journal then says `failed` with this message. */
export class PushError extends Error {}

/** Another process is pushing this run to this server right now. */
export class PushBusyError extends Error {}

interface RunInfo {
  run_id: string;
  experiment_id: string;
  lifecycle_stage?: string;
  artifact_uri?: string;
}

interface ServerRun {
  info: RunInfo;
  data?: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
}

const LIVE = new Set(['running', 'queued']);

/** A run's facts read from its folder (the CLI); the daemon passes its own, already read. */
export async function readRunFacts(storeDir: string, runId: string): Promise<RunFacts & { runDir: string }> {
  const reader = await StoreReader.open(storeDir);
  const run = await reader.loadRun(runId);
  let env: Record<string, unknown> | null = null;
  try {
    env = JSON.parse(await fs.readFile(path.join(run.dir, 'env.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    // no env.json (yet)
  }
  return { summary: run.summary()!, meta: run.metaObject() ?? {}, env, runDir: run.dir };
}

async function experimentId(http: MlflowHttp, name: string): Promise<string> {
  const byName = async (): Promise<string | null> => {
    try {
      const r = await http.get<{ experiment: { experiment_id: string; lifecycle_stage?: string } }>('experiments/get-by-name', { experiment_name: name });
      if (r.experiment.lifecycle_stage === 'deleted') {
        throw new PushError(`The experiment "${name}" is deleted on the MLflow server at ${http.uri}: restore it there (\`mlflow experiments restore\`), or move the run to another experiment.`);
      }
      return r.experiment.experiment_id;
    } catch (err) {
      if (err instanceof MlflowError && err.code === 'not_found') return null;
      throw err;
    }
  };
  const found = await byName();
  if (found) return found;
  try {
    return (await http.post<{ experiment_id: string }>('experiments/create', { name })).experiment_id;
  } catch (err) {
    // Another pusher created it in between.
    const again = err instanceof MlflowError && err.code === 'bad_request' ? await byName() : null;
    if (again) return again;
    throw err;
  }
}

function deletedRun(http: MlflowHttp, localId: string, serverId: string): PushError {
  return new PushError(
    `Run ${localId} was deleted on the MLflow server at ${http.uri} (server run ${serverId}); Runlane does not create it again. Restore it there (\`mlflow runs restore --run-id ${serverId}\`), or remove its sync journal to push it as a new run.`,
  );
}

/**
 * The server run of a local run: the journal's, else one tagged with its id (a journal lost, or a
 * push killed between the server's answer to runs/create and the journal write), else a new one.
 */
async function serverRun(http: MlflowHttp, facts: RunFacts & { runDir: string }, journal: SyncJournal): Promise<ServerRun> {
  const { summary } = facts;
  if (journal.server_run_id) {
    try {
      const got = (await http.get<{ run: ServerRun }>('runs/get', { run_id: journal.server_run_id })).run;
      if (got.info.lifecycle_stage === 'deleted') throw deletedRun(http, summary.id, journal.server_run_id);
      return got;
    } catch (err) {
      if (err instanceof MlflowError && err.code === 'not_found') throw deletedRun(http, summary.id, journal.server_run_id);
      throw err;
    }
  }
  const search = await http.post<{ runs?: ServerRun[] }>('runs/search', {
    experiment_ids: [journal.experiment_id],
    filter: `tags.\`${RUN_ID_TAG}\` = '${summary.id}'`,
    run_view_type: 'ALL',
    max_results: 2,
  });
  const existing = search.runs?.[0];
  if (existing) {
    if (existing.info.lifecycle_stage === 'deleted') throw deletedRun(http, summary.id, existing.info.run_id);
    // A journal that did not see this run: whatever the server holds is uncertain, so every metric
    // file is reconciled against it, and params and tags are taken as the server has them.
    // (Tags are sent again: setting a tag is idempotent, and the server's own tags are none of ours.)
    for (const p of existing.data?.params ?? []) journal.params[p.key] = journalValue(p.value);
    journal.files = {};
    journal.inflight = Object.fromEntries((await listMetricFiles(facts.runDir)).map((f) => [f.id, [0, Number.MAX_SAFE_INTEGER]]));
    return existing;
  }
  const started = summary.started_at ?? summary.created_at;
  const created = await http.post<{ run: ServerRun }>('runs/create', {
    experiment_id: journal.experiment_id,
    run_name: summary.name,
    start_time: toMillis(started),
    tags: [{ key: RUN_ID_TAG, value: summary.id }],
  });
  journal.tags[RUN_ID_TAG] = summary.id;
  return created.run;
}

/** A param value as the journal keeps it: a long one by its hash, so the journal stays small. */
function journalValue(value: string): string {
  return value.length <= 100 ? value : `sha256:${createHash('sha256').update(value).digest('hex')}`;
}

/** Params and tags that changed since the server last acknowledged them, in log-batch chunks of 100. */
async function pushParamsAndTags(http: MlflowHttp, runDir: string, facts: RunFacts, journal: SyncJournal): Promise<void> {
  const { params, cutKeys } = mapParams(facts.summary.params);
  const tags = mapTags(facts);
  if (cutKeys.length > 0) tags[CUT_PARAMS_TAG] = `${cutKeys.join(', ')} (cut to ${LIMITS.paramValue} characters; whole values in runlane/params.json)`;
  // MLflow never changes a param once logged: a value changed later is kept as the first one, named in a tag.
  const changed = params.filter((p) => p.key in journal.params && journal.params[p.key] !== journalValue(p.value)).map((p) => p.key);
  const renamed = renamedKeys([...Object.keys(facts.summary.params), ...Object.keys(facts.summary.tags)]);
  if (renamed) tags[RENAMED_KEYS_TAG] = cut(renamed, LIMITS.tagValue);
  if (changed.length > 0) tags[CHANGED_PARAMS_TAG] = `${changed.join(', ')} (changed after they were logged; the last values are in runlane/params.json)`;
  const newParams = params.filter((p) => !(p.key in journal.params));
  const newTags = Object.entries(tags).filter(([k, v]) => journal.tags[k] !== v).map(([key, value]) => ({ key, value }));
  const items = [...newParams.map((p) => ({ param: p })), ...newTags.map((t) => ({ tag: t }))];
  for (let i = 0; i < items.length; i += LIMITS.paramsTagsPerBatch) {
    const chunk = items.slice(i, i + LIMITS.paramsTagsPerBatch);
    const batchParams = chunk.flatMap((c) => ('param' in c ? [c.param] : []));
    const batchTags = chunk.flatMap((c) => ('tag' in c ? [c.tag] : []));
    await http.post('runs/log-batch', { run_id: journal.server_run_id, params: batchParams, tags: batchTags });
    for (const p of batchParams) journal.params[p.key] = journalValue(p.value);
    for (const t of batchTags) journal.tags[t.key] = t.value;
    await writeJournal(runDir, journal);
  }
  // A tag removed locally (or a note no longer true) is removed on the server: only tags this
  // journal set, never the server's own (mlflow.user ...).
  for (const key of Object.keys(journal.tags)) {
    if (key in tags || key === RUN_ID_TAG) continue;
    await http.post('runs/delete-tag', { run_id: journal.server_run_id, key });
    delete journal.tags[key];
    await writeJournal(runDir, journal);
  }
}

async function pushStatus(http: MlflowHttp, runDir: string, summary: RunSummary, journal: SyncJournal): Promise<void> {
  const status = mlflowStatus(summary.status);
  const end = summary.ended_at === null ? null : toMillis(summary.ended_at);
  if (journal.status === status && journal.end_time === end) return;
  await http.post('runs/update', { run_id: journal.server_run_id, status, ...(end === null ? {} : { end_time: end }) });
  journal.status = status;
  journal.end_time = end;
  await writeJournal(runDir, journal);
}

/**
 * Pushes one run. Throws PushError (the journal then `failed`, with the sentence) when it needs the
 * user; an MlflowError from a server down or refusing is left to the caller, who retries or reports it.
 */
export async function pushRun(http: MlflowHttp, facts: RunFacts & { runDir: string }, options: PushOptions = {}): Promise<PushResult> {
  const { runDir, summary } = facts;
  const release = await lockJournal(runDir, http.uri);
  if (!release) throw new PushBusyError(`Run ${summary.id} is being pushed to ${http.uri} by another Runlane process (the daemon's auto-sync or another \`runlane push\`); it goes on there.`);
  const journal = await readJournal(runDir, http.uri);
  try {
    journal.state = 'syncing';
    delete journal.message;
    journal.experiment_id ??= await experimentId(http, summary.experiment);
    const run = await serverRun(http, facts, journal);
    journal.server_run_id = run.info.run_id;
    await writeJournal(runDir, journal);
    await pushParamsAndTags(http, runDir, facts, journal);
    const points = await pushMetrics(http, runDir, journal, { onProgress: options.onProgress, signal: options.signal, concurrency: options.concurrency });
    const live = LIVE.has(summary.status);
    if (!live || options.files === 'always') await pushArtifacts(http, run.info.artifact_uri, facts, journal, runDir);
    // The status last: a FINISHED run on the server has every point and file.
    await pushStatus(http, runDir, summary, journal);
    journal.state = 'synced';
    await writeJournal(runDir, journal);
    return { serverRunId: run.info.run_id, experimentId: journal.experiment_id, url: `${http.uri}/#/experiments/${journal.experiment_id}/runs/${run.info.run_id}`, points, journal };
  } catch (err) {
    const needsUser = err instanceof PushError || (err instanceof MlflowError && ['unauthorized', 'forbidden', 'bad_request'].includes(err.code));
    journal.state = needsUser ? 'failed' : 'pending';
    journal.message = (err as Error).message;
    await writeJournal(runDir, journal).catch(() => undefined);
    throw err;
  } finally {
    release();
  }
}

/** Failures that pass by themselves: the server down, overloaded or restarting, or the run busy. */
export function isRetryable(err: unknown): boolean {
  // Another pusher (the daemon's auto-sync) holds the run: its pass ends soon, then this one goes on.
  if (err instanceof PushBusyError) return true;
  return err instanceof MlflowError && ['unreachable', 'server', 'rate_limited'].includes(err.code);
}

/**
 * pushRun, again after a retryable failure (backoff from 1 s, doubling to 30 s) for up to
 * `patienceMs`: each new pass resumes from the journal, so an outage costs time, never a point.
 */
export async function pushPatiently(
  http: MlflowHttp,
  facts: RunFacts & { runDir: string },
  options: PushOptions & { patienceMs: number; onWait?: (err: Error, delayMs: number) => void },
): Promise<PushResult> {
  const deadline = Date.now() + options.patienceMs;
  let delay = 1000;
  for (;;) {
    try {
      return await pushRun(http, facts, options);
    } catch (err) {
      if (!isRetryable(err) || Date.now() + delay > deadline) throw err;
      options.onWait?.(err as Error, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
