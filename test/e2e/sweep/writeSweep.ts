// A sweep as its controller records it (docs/sweeps.md "What is recorded"), written with StoreWriter for
// the sweep view's e2e tests: the sweep run (tag runlane.sweep.role=sweep, its sweep.* params, the
// sweep/best series) and five trials tagged runlane.sweep / runlane.sweep.trial: two finished, one
// pruned at step 2 (runlane.pruned_step, the rule's reason as its error), one failed, one running.
import type { StoreWriter } from '@runlane/core';

export interface WrittenSweep {
  sweepId: string;
  /** Trial number -> run id. */
  trials: Map<number, string>;
  /** Writes one more trial: `end` seconds after the sweep's start for one that ended. */
  trial: (n: number, lr: number, layers: number, final: number, steps: number, status: 'finished' | 'pruned' | 'failed' | 'running', end: number) => Promise<string>;
}

export async function writeSweep(writer: StoreWriter, name: string, t0 = Date.now() / 1000 - 600): Promise<WrittenSweep> {
  const sweepId = await writer.createRun({ name, experiment: 'sweeps', kind: 'job' });
  writer.appendEvent(sweepId, { type: 'tags', tags: { 'runlane.sweep.role': 'sweep' } }, t0);
  writer.appendEvent(sweepId, { type: 'params', params: { 'sweep.space': { lr: 'loguniform(0.0001, 0.1)', layers: 'choice([1, 2, 3])' }, 'sweep.metric': 'val/loss', 'sweep.mode': 'min', 'sweep.trials': 6, 'sweep.parallel': 2, 'sweep.sampler': 'tpe', 'sweep.pruner': 'median', 'sweep.target': 'local' } }, t0);
  writer.appendEvent(sweepId, { type: 'status', status: 'running' }, t0);
  const trials = new Map<number, string>();
  const trial: WrittenSweep['trial'] = async (n, lr, layers, final, steps, status, end) => {
    const id = await writer.createRun({ name: `${name} · trial ${n}`, experiment: 'sweeps', kind: 'job' });
    writer.appendEvent(id, { type: 'params', params: { lr, layers, workers: 1 } }, t0 + n * 10);
    writer.appendEvent(id, { type: 'tags', tags: { 'runlane.sweep': sweepId, 'runlane.sweep.trial': String(n), ...(status === 'pruned' ? { 'runlane.pruned_step': String(steps - 1) } : {}) } }, t0 + n * 10);
    writer.appendEvent(id, { type: 'status', status: 'running' }, t0 + n * 10);
    writer.logMetrics(id, 'val/loss', Array.from({ length: steps }, (_, s) => ({ step: s, value: final + (steps - 1 - s) * 0.1, time: t0 + n * 10 + s })));
    if (status === 'pruned') writer.appendEvent(id, { type: 'status', status: 'pruned', error: `Pruned at step ${steps - 1} by the median rule: val/loss = ${final} is worse than the median 0.4 of 2 finished trials at that step.` }, t0 + end);
    else if (status === 'failed') writer.appendEvent(id, { type: 'status', status: 'failed', error: 'ZeroDivisionError: division by zero', exit_code: 1 }, t0 + end);
    else if (status === 'finished') writer.appendEvent(id, { type: 'status', status: 'finished', exit_code: 0 }, t0 + end);
    trials.set(n, id);
    return id;
  };
  await trial(0, 0.001, 1, 0.52, 6, 'finished', 60);
  await trial(1, 0.03, 2, 0.31, 6, 'finished', 70);
  await trial(2, 0.09, 3, 0.95, 3, 'pruned', 75);
  await trial(3, 0.0002, 1, 0.7, 2, 'failed', 80);
  await trial(4, 0.01, 2, 0.45, 4, 'running', 0);
  writer.logMetrics(sweepId, 'sweep/best', [{ step: 1, value: 0.52, time: t0 + 60 }, { step: 4, value: 0.31, time: t0 + 70 }]);
  return { sweepId, trials, trial };
}
