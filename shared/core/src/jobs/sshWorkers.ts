// Jobs on an SSH host, with the system OpenSSH client: it honours ~/.ssh/config, known_hosts and
// agents as users have them set up (the npm ssh2 client does not read them, and cannot signal root
// processes, as recipes/ssh notes).
//
// Workers run detached on the host (they outlive the daemon, its connections and the laptop), each in
// its own process group recorded in the host's run folder, with their output, exit codes and metrics
// in files there. A follower connection mirrors those append-only files into the local run by byte
// offset (sshMirror.ts), so when it drops, or a new daemon re-adopts the job, it resumes with nothing
// lost or repeated. Workers send their metrics in-band on stdout (shared/protocol/src/inband.ts), so they need
// no shared filesystem. A cancel kills every worker's process group on the host.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../store/index.js';
import type { TargetConfig } from '../targets/targetsFile.js';
import { shellQuote } from './shellQuote.js';
import { noteSharedUse, sharedConnectionArgs } from './sshShared.js';

export interface SshTarget {
  args: string[];
  destination: string;
  python: string;
  workdir: string;
}

function str(target: TargetConfig, name: string): string | undefined {
  const v = target.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new StoreError('bad_query', `Target "${target.name}": ${name} must be a string.`);
  return String(v);
}

export function sshTarget(target: TargetConfig): SshTarget {
  const host = str(target, 'host');
  if (!host) throw new StoreError('bad_query', `Target "${target.name}" (ssh) needs host = "..." (a host name or an alias of ~/.ssh/config).`);
  const user = str(target, 'user');
  const args = ['-o', 'BatchMode=yes', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3'];
  const config = str(target, 'ssh_config');
  if (config) args.push('-F', config);
  const port = str(target, 'port');
  if (port) args.push('-p', port);
  const identity = str(target, 'identity');
  if (identity) args.push('-i', identity);
  const destination = user ? `${user}@${host}` : host;
  // One connection to the host shared by every ssh of the daemon (sshShared.ts), unless the target says not
  // to; Windows' OpenSSH has no ControlMaster.
  if (target.options.share_connection !== false && process.platform !== 'win32') args.push(...sharedConnectionArgs(args, destination));
  return { args, destination, python: str(target, 'python') ?? 'python3', workdir: str(target, 'workdir') ?? '.runlane-jobs' };
}

/** A remote path in a command: absolute as given, else under the remote home (never `~`-expanded). */
export function remotePath(p: string): string {
  return p.startsWith('/') ? shellQuote(p) : `"$HOME"/${shellQuote(p)}`;
}

export function ssh(t: SshTarget, remoteCommand: string, stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe']): ChildProcess {
  noteSharedUse(t.args, t.destination);
  return spawn('ssh', [...t.args, '-T', t.destination, remoteCommand], { stdio });
}

function collect(child: ChildProcess, input?: Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 255, stdout, stderr }));
    child.on('error', (err) => resolve({ code: 255, stdout, stderr: err.message }));
    child.stdin?.end(input);
  });
}

/** Waits for a process whose stdout is piped elsewhere; collects only its stderr. */
function exited(child: ChildProcess): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 255, stderr }));
    child.on('error', (err) => resolve({ code: 255, stderr: err.message }));
  });
}

/** Checks the host answers and has the Python it is configured with; throws a sentence otherwise. */
export async function checkSsh(t: SshTarget): Promise<string> {
  const res = await collect(ssh(t, `${shellQuote(t.python)} -c 'import sys; print(sys.version.split()[0])'`));
  if (res.code === 255) throw new StoreError('bad_query', `Cannot reach ${t.destination} over ssh: ${res.stderr.trim().split('\n').pop() || 'connection failed'}`);
  if (res.code !== 0) throw new StoreError('bad_query', `${t.destination} has no working ${t.python} (${res.stderr.trim().split('\n').pop()}); set python = "..." for this target.`);
  return res.stdout.trim();
}

/** Copies the pure-Python helper to the host (so runlane.log works there), as a tar stream over ssh. */
export async function uploadHelper(t: SshTarget, helperDir: string): Promise<void> {
  await uploadTar(t, ['--exclude=__pycache__', '--exclude=_node', '-C', path.dirname(helperDir), path.basename(helperDir)], `${remotePath(t.workdir)}/lib`, 'the Runlane helper');
}

/** The follower of a job's run files (runlane/ssh_follower.py) in the host's copy of the helper. */
export function followerOnHost(t: SshTarget): string {
  return `${remotePath(t.workdir)}/lib/runlane/ssh_follower.py`;
}

/** Copies the follower alone into the host's copy of the helper (a job re-adopted by a newer daemon). */
export async function uploadFollower(t: SshTarget, helperDir: string): Promise<void> {
  await uploadTar(t, ['-C', path.dirname(helperDir), path.join(path.basename(helperDir), 'ssh_follower.py')], `${remotePath(t.workdir)}/lib`, 'the output follower');
}

/** Copies a job's input folder into the host's run folder (`input/`, the workers' RUNLANE_INPUT_DIR). */
export async function uploadInput(t: SshTarget, runId: string, inputDir: string): Promise<void> {
  await uploadTar(t, ['-C', inputDir, '.'], `${remotePath(t.workdir)}/runs/${shellQuote(runId)}/input`, "the job's input");
}

/**
 * Puts the run's meta.json in the host's run folder: the helper on the host then sees a job's run and
 * joins it (its events come back with the mirror) rather than creating a run of its own with statuses.
 */
export async function uploadRunMeta(t: SshTarget, runId: string, meta: Buffer): Promise<void> {
  const dir = runDirOf(t, runId);
  const res = await collect(ssh(t, `mkdir -p ${dir} && cat > ${dir}/meta.json.tmp-daemon && mv ${dir}/meta.json.tmp-daemon ${dir}/meta.json`), meta);
  if (res.code !== 0) throw new StoreError('bad_query', `Could not write the run's meta.json on ${t.destination}: ${res.stderr.trim()}`);
}

async function uploadTar(t: SshTarget, tarArgs: string[], remoteDir: string, what: string): Promise<void> {
  const tar = spawn('tar', ['-c', ...tarArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  for await (const chunk of tar.stdout) chunks.push(chunk as Buffer);
  const res = await collect(ssh(t, `mkdir -p ${remoteDir} && tar -x -C ${remoteDir}`), Buffer.concat(chunks));
  if (res.code !== 0) throw new StoreError('bad_query', `Could not copy ${what} to ${t.destination}: ${res.stderr.trim()}`);
}

// On the host, each worker runs detached from the connection that started it, so it outlives the
// daemon and the laptop: a supervisor in its own session starts the command in another session (its
// own process group, the one a cancel kills), records that group's id in job/wR.pid, waits for it and
// writes its exit code to job/wR.exit (atomically). The follower mirrors job/ back with the logs.
const SUPERVISOR = [
  // Rank 0's env.json capture: waited for before the exit code, so that it comes back with the job.
  'e=""; if [ -n "$RUNLANE_ENV_CAPTURE" ]; then eval "$RUNLANE_ENV_CAPTURE" </dev/null >/dev/null 2>&1 & e=$!; fi; unset RUNLANE_ENV_CAPTURE',
  'setsid "$@" >>"$RUNLANE_LOG_DIR/stdout.log" 2>>"$RUNLANE_LOG_DIR/stderr.log" </dev/null & p=$!',
  'printf "%s" "$p" >"$RUNLANE_JOB_DIR/$RUNLANE_WORKER.pid.tmp-host" && mv "$RUNLANE_JOB_DIR/$RUNLANE_WORKER.pid.tmp-host" "$RUNLANE_JOB_DIR/$RUNLANE_WORKER.pid"',
  'wait "$p"; code=$?',
  '[ -z "$e" ] || wait "$e"',
  'printf "%s" "$code" >"$RUNLANE_JOB_DIR/$RUNLANE_WORKER.exit.tmp-host" && mv "$RUNLANE_JOB_DIR/$RUNLANE_WORKER.exit.tmp-host" "$RUNLANE_JOB_DIR/$RUNLANE_WORKER.exit"',
].join('\n');
// Starts the supervisor with no tie to the ssh session (no inherited descriptors, its own session),
// and returns once the worker's process group is recorded, so that a cancel right away finds it.
const LAUNCH = [
  `setsid bash -c ${shellQuote(SUPERVISOR)} runlane-supervise "$@" </dev/null >/dev/null 2>&1 &`,
  'i=0; while [ ! -f "$RUNLANE_JOB_DIR/$RUNLANE_WORKER.pid" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done',
  '[ -f "$RUNLANE_JOB_DIR/$RUNLANE_WORKER.pid" ] || { echo "the worker did not start" >&2; exit 1; }',
].join('\n');

export interface SshWorkerLaunch {
  runId: string;
  rank: number;
  workers: number;
  masterPort: number;
  command: string[];
  cwd?: string;
  env: Record<string, string>;
  /** The job has an input folder (uploaded to the run's `input/` on the host). */
  input: boolean;
  /** Rank 0 records the run's env.json with this (envCapture.ts). */
  envCapture?: string;
}

function runDirOf(t: SshTarget, runId: string): string {
  return `${remotePath(t.workdir)}/runs/${shellQuote(runId)}`;
}

/** Starts one worker, detached on the host; resolves once it runs, throws a sentence if it could not start. */
export async function launchSshWorker(t: SshTarget, w: SshWorkerLaunch): Promise<void> {
  const store = remotePath(t.workdir);
  const runDir = runDirOf(t, w.runId);
  const env: Record<string, string> = {
    ...w.env,
    RANK: String(w.rank),
    LOCAL_RANK: String(w.rank),
    WORLD_SIZE: String(w.workers),
    LOCAL_WORLD_SIZE: String(w.workers),
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(w.masterPort),
    PYTHONUNBUFFERED: '1',
    RUNLANE_RUN_ID: w.runId,
    RUNLANE_WORKER: `w${w.rank}`,
    RUNLANE_METRICS: 'stdout', // the host does not share the store: metrics travel in-band
    ...(w.envCapture ? { RUNLANE_ENV_CAPTURE: w.envCapture } : {}),
  };
  const exports = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`).join('; ');
  const remote = [
    `export RUNLANE_DIR=${store} RUNLANE_LOG_DIR=${runDir}/logs/w${w.rank} RUNLANE_OUTPUT_DIR=${runDir}/artifacts RUNLANE_JOB_DIR=${runDir}/job PYTHONPATH=${store}/lib\${PYTHONPATH:+:$PYTHONPATH}`,
    'mkdir -p "$RUNLANE_LOG_DIR" "$RUNLANE_OUTPUT_DIR" "$RUNLANE_JOB_DIR"',
    ...(w.input ? [`export RUNLANE_INPUT_DIR=${runDir}/input`] : []),
    exports,
    w.cwd ? `cd ${remotePath(w.cwd)}` : w.input ? 'cd "$RUNLANE_INPUT_DIR"' : `cd ${store}`,
    `exec bash -c ${shellQuote(LAUNCH)} runlane-launch ${w.command.map(shellQuote).join(' ')}`, // bash: setsid and kill -- -group
  ].join(' && ');
  const res = await collect(ssh(t, remote));
  if (res.code !== 0) throw new StoreError('bad_query', `Worker w${w.rank} could not be started on ${t.destination}: ${res.stderr.trim().split('\n').pop() || `ssh exited with ${res.code}`}`);
}

/**
 * Stops the job's workers still running on the host: SIGTERM to each one's process group, SIGKILL
 * after a grace (left to the host, so this returns at once). A worker that has ended is not touched.
 */
export async function killSshWorkers(t: SshTarget, runId: string, graceSeconds = 5): Promise<void> {
  const script = [
    `cd ${runDirOf(t, runId)}/job 2>/dev/null || exit 0`,
    'groups=""; for f in w*.pid; do [ -f "$f" ] || continue; w=${f%.pid}; [ -f "$w.exit" ] || groups="$groups -$(cat "$f")"; done',
    '[ -n "$groups" ] || exit 0',
    'kill -TERM -- $groups 2>/dev/null',
    `( sleep ${graceSeconds}; kill -KILL -- $groups 2>/dev/null ) </dev/null >/dev/null 2>&1 &`,
  ].join('\n');
  await collect(ssh(t, `exec bash -c ${shellQuote(script)}`));
}

/**
 * Copies the files the workers wrote under the host's `artifacts/` into the local run at the job's end,
 * as a tar stream of regular files only (no links, so nothing can point outside the run). Returns a
 * sentence when it could not, for the run's error; artifacts never fail an otherwise finished job.
 */
export async function downloadArtifacts(t: SshTarget, runId: string, localRunDir: string): Promise<string | null> {
  const remote = `${remotePath(t.workdir)}/runs/${shellQuote(runId)}/artifacts`;
  const local = path.join(localRunDir, 'artifacts');
  mkdirSync(local, { recursive: true });
  const sender = ssh(t, `cd ${remote} 2>/dev/null || exit 0; find . -type f ! -name '*.tmp-*' -print0 | tar -c --null -T - -f -`, ['ignore', 'pipe', 'pipe']);
  const receiver = spawn('tar', ['-x', '--no-same-owner', '--no-same-permissions', '-f', '-', '-C', local], { stdio: ['pipe', 'ignore', 'pipe'] });
  sender.stdout!.pipe(receiver.stdin);
  const [sent, received] = await Promise.all([exited(sender), exited(receiver)]);
  if (sent.code !== 0) return `Artifacts could not be copied from ${t.destination}: ${sent.stderr.trim() || `ssh exited with ${sent.code}`}`;
  // An empty stream (no artifacts) is not an archive; tar then says so, and nothing is missing.
  if (received.code !== 0 && !/does not look like a tar archive|Unexpected EOF/.test(received.stderr)) return `Artifacts could not be unpacked: ${received.stderr.trim()}`;
  return null;
}
