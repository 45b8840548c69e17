// What the Targets view says beside a target's name, as plain text (tests read it without VS Code):
// its kind only when the name does not already say it ("local" is local), its GPUs, whether it can be
// used, and its running jobs; never an empty description.
import type { TargetInfo } from '@runlane/protocol';
import { gpuCountText, targetKindText } from '@runlane/ui';

export function targetDescription(t: TargetInfo, jobs: number): string {
  const gpus = gpuCountText(t.gpus.length) || (t.kind === 'local' ? 'no GPUs' : '');
  const parts = [targetKindText(t), gpus, t.ok ? '' : 'unavailable', jobs ? `${jobs} job${jobs > 1 ? 's' : ''}` : ''].filter(Boolean);
  return parts.join(' · ') || 'ready';
}
