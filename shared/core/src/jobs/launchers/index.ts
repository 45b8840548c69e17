// The registry of target kinds: kind -> launcher. A new kind is one launcher file plus one line here.
import type { TargetInfo } from '@runlane/protocol';
import { StoreError } from '../../store/index.js';
import type { TargetConfig } from '../../targets/targetsFile.js';
import type { JobFile, TargetLauncher } from '../launcher.js';
import { localLauncher } from './local.js';
import { slurmLauncher } from './slurm.js';
import { sshLauncher } from './ssh.js';

const LAUNCHERS: ReadonlyMap<string, TargetLauncher> = new Map<string, TargetLauncher>([localLauncher, slurmLauncher, sshLauncher].map((l) => [l.kind, l]));

export function launcherFor(kind: string): TargetLauncher {
  const launcher = LAUNCHERS.get(kind);
  if (!launcher) throw new StoreError('bad_query', `Runlane cannot run jobs on a target of kind "${kind}"; kinds: ${[...LAUNCHERS.keys()].join(', ')}.`);
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
