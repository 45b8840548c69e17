// Targets from the project's runlane.toml (found beside the store or in the working folder):
//
//   [targets.gpu-box]          # a name of your choice
//   kind = "local"             # local | ssh | slurm | ray (docs/jobs.md says what each takes)
//   gpus = ["0", "1"]          # local: the GPUs jobs may use (default: what nvidia-smi lists)
//
// A target named `local` (this machine, all its GPUs) exists without any configuration.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { TARGET_KINDS, type TargetKind } from '@runlane/protocol';
import { StoreError } from '../store/index.js';

export interface TargetConfig {
  name: string;
  kind: TargetKind;
  /** Declared GPU ids (local), or null to detect them. */
  gpus: string[] | null;
  options: Record<string, unknown>;
}

const KINDS: readonly TargetKind[] = TARGET_KINDS;
/** `"local", "ssh" or "slurm"`: every kind, as the error for a wrong one lists them. */
const KINDS_TEXT = KINDS.map((k) => JSON.stringify(k)).join(', ').replace(/, ([^,]*)$/, ' or $1');
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** runlane.toml next to the store's folder (the project root), else in `cwd`; null when there is none. */
export function findTargetsFile(storeDir: string, cwd = process.cwd()): string | null {
  for (const candidate of [path.join(path.dirname(storeDir), 'runlane.toml'), path.join(cwd, 'runlane.toml')]) {
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      // not there
    }
  }
  return null;
}

export function parseTargets(text: string, file = 'runlane.toml'): TargetConfig[] {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    throw new StoreError('bad_query', `${file} is not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  const section = doc.targets ?? {};
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new StoreError('bad_query', `${file}: "targets" must be a table of [targets.NAME] sections.`);
  }
  const targets: TargetConfig[] = [];
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    if (!NAME.test(name)) throw new StoreError('bad_query', `${file}: the target name "${name}" may use letters, digits, "_", "-" and "." only.`);
    if (typeof raw !== 'object' || raw === null) throw new StoreError('bad_query', `${file}: [targets.${name}] must be a table.`);
    const { kind, gpus, ...options } = raw as Record<string, unknown>;
    if (!KINDS.includes(kind as TargetKind)) {
      throw new StoreError('bad_query', `${file}: [targets.${name}] needs kind = ${KINDS_TEXT} (got ${JSON.stringify(kind)}).`);
    }
    if (kind === 'ray') {
      // A Ray target's `gpus` is a count per worker (the cluster schedules its own GPUs): jobs/ray/rayTarget.ts checks it.
      targets.push({ name, kind, gpus: null, options: gpus === undefined ? options : { ...options, gpus } });
      continue;
    }
    if (gpus !== undefined && !(Array.isArray(gpus) && gpus.every((g) => typeof g === 'string' || typeof g === 'number'))) {
      throw new StoreError('bad_query', `${file}: [targets.${name}] gpus must be a list of GPU ids, like ["0", "1"].`);
    }
    targets.push({ name, kind: kind as TargetKind, gpus: gpus === undefined ? null : (gpus as unknown[]).map(String), options });
  }
  if (!targets.some((t) => t.name === 'local')) targets.unshift({ name: 'local', kind: 'local', gpus: null, options: {} });
  return targets;
}

export function loadTargets(file: string | null): TargetConfig[] {
  return parseTargets(file ? readFileSync(file, 'utf8') : '', file ?? 'runlane.toml');
}
