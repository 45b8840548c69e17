// The sweep view's model, pure: from the runs a host lists, the sweep run (tag `runlane.sweep.role` =
// `sweep`) and its trials (tag `runlane.sweep` = the sweep's id, `runlane.sweep.trial` = N), each with
// its state (a pruned trial at the step in `runlane.pruned_step`), params, metric value and duration,
// the best trial and the best so far by trials done (what the controller logs as `sweep/best`).
// Computed from the trials rather than read from `sweep/best`, so it is live while trials end and
// covers a sweep whose controller died before it wrote the point.
import type { ParamValue, RunStatus, RunSummary, SourcedRun } from '@runlane/protocol';
import { SWEEP_TAG } from '../groups/groupRuns.js';
import { JOB_FACTS } from '../runs/editParams.js';
import { formatParamShort } from '../views/format.js';

export const TRIAL_TAG = 'runlane.sweep.trial';
export const ROLE_TAG = 'runlane.sweep.role';
export const PRUNED_STEP_TAG = 'runlane.pruned_step';

export type TrialState = 'queued' | 'running' | 'finished' | 'pruned' | 'failed' | 'cancelled';

export interface Trial {
  number: number;
  ref: SourcedRun;
  state: TrialState;
  /** The last step a pruned trial reached (its `runlane.pruned_step`); null otherwise. See judgedStep. */
  prunedStep: number | null;
  /** Why it was pruned or failed (the run's error), or null. */
  reason: string | null;
  /** The metric's last value (a pruned trial's: at the step it was stopped), or null. */
  value: number | null;
  /** Seconds from start to end (to now while it runs), or null before it starts. */
  duration: number | null;
}

export interface SweepSettings {
  metric: string | null;
  mode: 'min' | 'max';
  /** How many trials the sweep asks for (`sweep.trials`), or null when unknown. */
  total: number | null;
  parallel: number | null;
  sampler: string | null;
  pruner: string | null;
  target: string | null;
}

export interface SweepModel {
  sweep: SourcedRun | null;
  settings: SweepSettings;
  /** By trial number. */
  trials: Trial[];
  /** The names of the space (the sweep's `sweep.space`, else every param a trial has), sorted. */
  params: string[];
  best: Trial | null;
  /** Best so far after each ended trial, in the order they ended: x = trials done. */
  bestSoFar: { done: number; value: number; trial: number }[];
  counts: Record<TrialState, number>;
}

/** Whether a run is a sweep's own run (not a trial). */
export function isSweepRun(run: Pick<RunSummary, 'tags'>): boolean {
  return run.tags[ROLE_TAG] === 'sweep';
}

export function trialState(status: RunStatus, tags: Record<string, string>): TrialState {
  // An older daemon shows a pruned trial as cancelled: its pruned-step tag says what it was.
  if (status === 'pruned' || (status === 'cancelled' && tags[PRUNED_STEP_TAG] !== undefined)) return 'pruned';
  if (status === 'finished') return 'finished';
  if (status === 'running') return 'running';
  if (status === 'queued') return 'queued';
  if (status === 'cancelled' || status === 'interrupted') return 'cancelled';
  return 'failed'; // failed, crashed
}

function text(params: Record<string, ParamValue>, key: string): string | null {
  const v = params[key];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;
}

function whole(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

export function sweepSettings(sweep: RunSummary | null): SweepSettings {
  const p = sweep?.params ?? {};
  return {
    metric: text(p, 'sweep.metric'),
    mode: text(p, 'sweep.mode') === 'max' ? 'max' : 'min',
    total: whole(p['sweep.trials']),
    parallel: whole(p['sweep.parallel']),
    sampler: text(p, 'sweep.sampler'),
    pruner: text(p, 'sweep.pruner'),
    target: text(p, 'sweep.target'),
  };
}

/** The sweep `sweepId` of `source` and its trials among `runs`; `now` (unix seconds) times running trials. */
export function sweepModel(source: string, sweepId: string, runs: SourcedRun[], now = Date.now() / 1000): SweepModel {
  const sweep = runs.find((r) => r.source === source && r.run.id === sweepId) ?? null;
  const settings = sweepSettings(sweep?.run ?? null);
  const metric = settings.metric;
  const trials: Trial[] = [];
  for (const ref of runs) {
    const { run } = ref;
    if (ref.source !== source || run.tags[SWEEP_TAG] !== sweepId) continue;
    const number = whole(run.tags[TRIAL_TAG]);
    const state = trialState(run.status, run.tags);
    const last = metric ? run.metrics[metric]?.last : undefined;
    const started = run.started_at;
    trials.push({
      number: number ?? trials.length,
      ref,
      state,
      prunedStep: state === 'pruned' ? whole(run.tags[PRUNED_STEP_TAG]) : null,
      reason: state === 'pruned' || state === 'failed' ? run.error : null,
      value: typeof last === 'number' && Number.isFinite(last) ? last : null,
      duration: run.duration ?? (started === null ? null : Math.max(0, (run.ended_at ?? now) - started)),
    });
  }
  trials.sort((a, b) => a.number - b.number || a.ref.run.created_at - b.ref.run.created_at);
  const better = (a: number, b: number) => (settings.mode === 'max' ? a > b : a < b);
  let best: Trial | null = null;
  for (const t of trials) if (t.state === 'finished' && t.value !== null && (best === null || better(t.value, best.value!))) best = t;
  // Trials done, in the order they ended (the controller's `sweep/best` steps).
  const ended = trials.filter((t) => t.state !== 'queued' && t.state !== 'running').sort((a, b) => (a.ref.run.ended_at ?? 0) - (b.ref.run.ended_at ?? 0) || a.number - b.number);
  const bestSoFar: SweepModel['bestSoFar'] = [];
  let sofar: Trial | null = null;
  ended.forEach((t, i) => {
    if (t.state === 'finished' && t.value !== null && (sofar === null || better(t.value, sofar.value!))) sofar = t;
    if (sofar) bestSoFar.push({ done: i + 1, value: sofar.value!, trial: sofar.number });
  });
  const counts: Record<TrialState, number> = { queued: 0, running: 0, finished: 0, pruned: 0, failed: 0, cancelled: 0 };
  for (const t of trials) counts[t.state]++;
  return { sweep, settings, trials, params: spaceNames(sweep?.run ?? null, trials), best, bestSoFar, counts };
}

function spaceNames(sweep: RunSummary | null, trials: Trial[]): string[] {
  const space = sweep?.params['sweep.space'];
  if (space && typeof space === 'object' && !Array.isArray(space)) return Object.keys(space).sort();
  const names = new Set(trials.flatMap((t) => Object.keys(t.ref.run.params)));
  return [...names].filter((k) => !JOB_FACTS.has(k)).sort();
}

/**
 * The step the pruner judged a trial at, from its reason (`Pruned at step 11 by the median rule: …`): the
 * controller's tag holds the last step the trial reached (28 when later steps were logged before the stop
 * landed), the reason the verdict's. Null where the reason names none (an older controller).
 */
export function judgedStep(reason: string | null): number | null {
  const m = /^Pruned at step (\d+)\b/.exec(reason ?? '');
  return m ? Number(m[1]) : null;
}

/**
 * A trial's state as the table says it, in the words of its reason: `pruned at step 11 (stopped at 28)`
 * when it reached later steps than the one judged, `pruned at step 4` when not.
 */
export function stateText(trial: Trial): string {
  if (trial.state !== 'pruned' || trial.prunedStep === null) return trial.state;
  const judged = judgedStep(trial.reason);
  return judged !== null && judged < trial.prunedStep ? `pruned at step ${judged} (stopped at ${trial.prunedStep})` : `pruned at step ${trial.prunedStep}`;
}

/** The sweep run a trial belongs to (its `runlane.sweep` tag), or null. */
export function sweepOf(run: Pick<RunSummary, 'tags'>): string | null {
  return run.tags[SWEEP_TAG] ?? null;
}

/** The sweep a run's "Open sweep" opens: the run itself when it is a sweep, a trial's sweep, or null. */
export function sweepIdOf(run: Pick<RunSummary, 'id' | 'tags'>): string | null {
  return isSweepRun(run) ? run.id : sweepOf(run);
}

/** The view's Best line, numbers in the UI's one format (a sampled lr reads 0.1257, not 0.12574345574288495). */
export function bestLine(m: SweepModel): string {
  if (!m.best) return 'Best: none yet (no trial finished with a value).';
  const params = m.params.map((p) => `${p}=${formatParamShort(m.best!.ref.run.params[p])}`).join(', ');
  return `Best: trial ${m.best.number} = ${formatParamShort(m.best.value)} (${params})`;
}
