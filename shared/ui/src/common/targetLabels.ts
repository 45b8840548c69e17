// How a target is named in both editors: a run's "on gpu-box", and a target's line in the pickers
// ("Run Cell as Experiment") and the Targets view. The kind is said only where the name does not say
// it already (a row read "local  local"); an unusable target says so in the same words everywhere.
import type { RunSummary, TargetInfo } from '@runlane/protocol';

/** The first choice of every target picker: the notebook's own kernel, not a job. */
export const KERNEL_CHOICE = { label: 'This kernel', description: 'tracked in the notebook’s own kernel' } as const;

/** The target a run ran on (its `target` param, set for jobs), or null. */
export function targetOf(run: Pick<RunSummary, 'params'>): string | null {
  return typeof run.params.target === 'string' ? run.params.target : null;
}

/** `on gpu-box` for a run that ran on a target; '' otherwise. */
export function runTargetText(run: Pick<RunSummary, 'params'>): string {
  const target = targetOf(run);
  return target ? `on ${target}` : '';
}

/** `1 GPU`, `4 GPUs`; '' for none. */
export function gpuCountText(count: number): string {
  return count ? `${count} GPU${count > 1 ? 's' : ''}` : '';
}

/** The target's kind, or '' when its name already says it (a target named "local" is local). */
export function targetKindText(t: Pick<TargetInfo, 'name' | 'kind'>): string {
  return t.kind === t.name ? '' : t.kind;
}

/** A target's line in a picker: its kind, its GPUs and what it is (`ssh · 2 GPUs · box, Python 3.11`), or that it cannot be used. */
export function targetChoiceText(t: TargetInfo): string {
  return [targetKindText(t), t.ok ? gpuCountText(t.gpus.length) : '', t.ok ? t.detail : 'cannot be used'].filter(Boolean).join(' · ');
}
