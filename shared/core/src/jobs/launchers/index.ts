// The registry of target kinds: kind -> launcher. A new kind is its launcher file, one line here, and
// its name in TARGET_KINDS (shared/protocol/src/jobs.ts); this map does not compile without it.
import type { TargetInfo, TargetKind } from '@runlane/protocol';
import { StoreError } from '../../store/index.js';
import type { TargetConfig } from '../../targets/targetsFile.js';
import type { JobFile, TargetLauncher } from '../launcher.js';
import { localLauncher } from './local.js';
import { rayLauncher } from './ray.js';
import { slurmLauncher } from './slurm.js';
import { sshLauncher } from './ssh.js';

const LAUNCHERS: { readonly [K in TargetKind]: TargetLauncher } = {
  local: localLauncher,
  ssh: sshLauncher,
  slurm: slurmLauncher,
  ray: rayLauncher,
};

export function launcherFor(kind: string): TargetLauncher {
  const launcher = Object.hasOwn(LAUNCHERS, kind) ? LAUNCHERS[kind as TargetKind] : undefined;
  if (!launcher) throw new StoreError('bad_query', `Runlane cannot run jobs on a target of kind "${kind}"; kinds: ${Object.keys(LAUNCHERS).join(', ')}.`);
  return launcher;
}

/** The kind of a job from its job.json; files written before `kind` was recorded say it by their fields. */
export function jobFileKind(file: JobFile): string {
  if (file.kind !== undefined) return file.kind;
  if (file.slurm_job !== undefined) return 'slurm';
  return file.ssh_host !== undefined ? 'ssh' : 'local';
}

/** A target checked for `runlane targets` and the editors' lists, by its kind's launcher. */
export function describeTarget(target: TargetConfig): Promise<TargetInfo> {
  return launcherFor(target.kind).describe(target);
}
