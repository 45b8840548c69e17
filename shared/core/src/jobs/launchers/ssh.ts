// Jobs on an SSH host that shares no filesystem with this machine (sshWorkers.ts): the helper, the
// run's meta.json and the job's input go up first; workers run detached on the host, writing their
// output, exit codes and in-band metrics into the host's run folder; a follower connection mirrors
// those files into the local run (sshMirror.ts). The job has ended once every exit code is mirrored.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { envCaptureCommand } from '../envCapture.js';
import { findHelperDir } from '../helperDir.js';
import { InbandMetrics } from '../inbandMetrics.js';
import type { TargetLauncher } from '../launcher.js';
import { freePort } from '../localWorkers.js';
import { SshMirror } from '../sshMirror.js';
import { checkSsh, downloadArtifacts, killSshWorkers, launchSshWorker, sshTarget, uploadHelper, uploadInput, uploadRunMeta, type SshTarget } from '../sshWorkers.js';

interface SshState {
  target: SshTarget;
  /** Brings the host's run files here; set by `follow`. */
  mirror?: SshMirror;
  /** Re-adopted: the host's copy of the helper may be older than this daemon's follower. */
  adopted?: boolean;
}

/** How long a host's passed check stands for the next submission (ms). */
const CHECK_FRESH_MS = 10_000;
const checkedAt = new Map<string, number>();

export const sshLauncher: TargetLauncher<SshState> = {
  kind: 'ssh',
  localGpus: false,
  pollMs: 0, // exit codes arrive with the mirror: reading them is local
  // The copies and the launch take several ssh round trips: a sweep's parallel trials start together.
  // `check` (the host answers, its Python runs) still refuses a job the host cannot take.
  startsInBackground: true,

  async describe(t) {
    try {
      const target = sshTarget(t);
      return { name: t.name, kind: t.kind, gpus: t.gpus ?? [], ok: true, detail: `${target.destination}, Python ${await checkSsh(target)}`, python: target.python };
    } catch (err) {
      return { name: t.name, kind: t.kind, gpus: t.gpus ?? [], ok: false, detail: (err as Error).message };
    }
  },

  async check(target) {
    // A host that is down, a key mismatch, no Python: refused before any run exists. A host that passed
    // moments ago is not asked again: a sweep submits its trials one after another, and each check is an
    // ssh run and a Python start on the host; a host lost since then fails the job's start, with ssh's reason.
    const t = sshTarget(target);
    const key = JSON.stringify([t.args, t.destination, t.python]);
    if (Date.now() - (checkedAt.get(key) ?? -Infinity) < CHECK_FRESH_MS) return;
    await checkSsh(t);
    checkedAt.set(key, Date.now());
  },

  async start(job, target, control) {
    const t = sshTarget(target);
    await uploadHelperOnce(t, findHelperDir());
    await uploadRunMeta(t, job.runId, readFileSync(path.join(job.runDir, 'meta.json')));
    if (job.spec.input) await uploadInput(t, job.runId, job.spec.input);
    control.status('running');
    const masterPort = await freePort(); // a guess for the host; torch only needs it free there
    job.workers = Array.from({ length: job.spec.workers }, (_, rank) => ({ rank, pid: 0, gpus: [], exitFile: path.join(job.runDir, 'job', `w${rank}.exit`) }));
    // Saved before the workers start: a daemon that dies meanwhile leaves a job the next one follows.
    await control.save({ ssh_host: t.destination });
    const launched = await Promise.allSettled(
      job.workers.map((w) =>
        launchSshWorker(t, { runId: job.runId, rank: w.rank, workers: job.spec.workers, masterPort, command: job.spec.command, cwd: job.spec.cwd, env: job.spec.env ?? {}, input: job.spec.input !== undefined, envCapture: w.rank === 0 ? envCaptureCommand(job.spec.command) : undefined }),
      ),
    );
    const refused = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (refused) {
      await killSshWorkers(t, job.runId, 0); // the ones that did start
      throw refused.reason;
    }
    return { status: 'running', state: { target: t } };
  },

  follow(job, state, control) {
    const metrics = new InbandMetrics(job.store, job.runId, (message) => control.note(message));
    const copyFollower = state.adopted ? helperDirIfFound() : undefined;
    state.mirror = new SshMirror(state.target, job.runId, job.runDir, (rel, bytes) => metrics.take(rel, bytes), copyFollower);
    state.mirror.start();
  },

  async poll(_job, _state, codes) {
    // Host processes cannot be seen from here: a worker has ended when its exit code is mirrored.
    return codes.every((c) => c !== null) ? 'ended' : 'running';
  },

  async stop(job, state) {
    await killSshWorkers(state.target, job.runId);
  },

  async collect(job, state, control) {
    await state.mirror?.stop(); // the last output first
    const problem = await downloadArtifacts(state.target, job.runId, job.runDir);
    if (problem) control.note(problem);
  },

  async adopt(_job, file, target) {
    if (file.workers.some((w) => !w.exitFile)) {
      // Started by a Runlane whose SSH workers ended with the daemon's connections.
      throw new Error(`The daemon stopped while this job ran on ${String(file.ssh_host)}; its workers were stopped with it.`);
    }
    if (target?.kind !== 'ssh') {
      throw new Error(`This job's target "${file.spec.target}" is no longer declared, so its workers on ${String(file.ssh_host)} cannot be followed; declare it again in runlane.toml and restart the daemon.`);
    }
    return { target: sshTarget(target), adopted: true };
  },

  detach(state) {
    state.mirror?.abandon(); // the workers run on; the next daemon resumes
  },
};

/** How long the helper copied to a host is taken as there for the next start there (ms). */
const HELPER_FRESH_MS = 60_000;
const helperCopies = new Map<string, { at: number; copy: Promise<void> }>();

/**
 * Copies the helper to the host unless this daemon copied it there (the same folder, the same workdir)
 * within HELPER_FRESH_MS: parallel trials of a sweep starting together share one copy (the others wait
 * for it), instead of each sending and unpacking the whole helper. A copy that failed is not reused.
 */
function uploadHelperOnce(t: SshTarget, helperDir: string): Promise<void> {
  const key = JSON.stringify([t.args, t.destination, t.workdir, helperDir]);
  const known = helperCopies.get(key);
  if (known && Date.now() - known.at < HELPER_FRESH_MS) return known.copy;
  const copy = uploadHelper(t, helperDir);
  helperCopies.set(key, { at: Date.now(), copy });
  copy.catch(() => helperCopies.delete(key));
  return copy;
}

function helperDirIfFound(): string | undefined {
  try {
    return findHelperDir();
  } catch {
    return undefined; // the host's own copy of the follower is used
  }
}
