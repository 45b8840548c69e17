// Starts a job's workers on this machine. Each worker runs in its own process group (so a cancel
// reaches every process it started), writes its output into the run's log files through a holder
// process started beside it (heldOutput.ts: a full disk holds the output instead of failing the job;
// it outlives the daemon as the worker does), and records its exit code in a file (so a daemon that
// did not start it can still learn how it ended). The command is an argv, never a shell string: the
// tiny `sh` wrapper receives it as positional parameters ("$@"), which the shell does not re-parse.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { START_ENV_CAPTURE } from './envCapture.js';
import type { WorkerRecord } from './launcher.js';

export interface StartedWorker {
  record: WorkerRecord;
  child: ChildProcess;
}

const RECORD_EXIT = 'printf "%s" "$code" > "$RUNLANE_EXIT_FILE.tmp" && mv "$RUNLANE_EXIT_FILE.tmp" "$RUNLANE_EXIT_FILE"; exit "$code"';
// `exec` is not used: the shell must outlive the command to write its exit code. A stop's signal
// runs a no-op trap, so the shell waits for the command and records how it ended (143 for a
// SIGTERM); a trap, unlike an ignored signal, is not inherited by the command.
const WRAPPER = `${START_ENV_CAPTURE}; trap : TERM INT HUP; "$@"; code=$?; ${RECORD_EXIT}`;
// With a holder: stdin is the control socket (fd 0, which the spawn leaves blocking; a socket, so
// both ways). The command ends, its code goes to the holder, the wrapper lets go of its copies of
// the output pipes and waits for the holder to close the socket: then everything is written.
const HELD_WRAPPER = `${START_ENV_CAPTURE}; trap : TERM INT HUP; "$@" </dev/null; code=$?; printf '%s\\n' "$code" >&0; exec >/dev/null 2>&1; read -r held; ${RECORD_EXIT}`;

/** The holder bundled beside the bundled CLI (scripts/bundle-cli.mjs, vscode-ext/build.mjs). */
export const BUNDLED_HOLDER = 'runlane-hold-output.cjs';

/** The output holder's script (holdOutputMain.ts), or null where there is none (then output goes straight to the files). */
export function holderScript(): string | null {
  // The CLI bundled into one CommonJS file (the Python package's, the VS Code extension's).
  if (typeof __filename === 'string' && existsSync(path.join(path.dirname(__filename), BUNDLED_HOLDER))) return path.join(path.dirname(__filename), BUNDLED_HOLDER);
  let self: string;
  try {
    self = fileURLToPath(import.meta.url); // empty in a CommonJS bundle
  } catch {
    return null;
  }
  const beside = path.join(path.dirname(self), 'holdOutputMain.js');
  if (existsSync(beside)) return beside;
  // Tests run the TypeScript sources; the compiled holder is at the same place under dist/.
  const built = beside.replace(`${path.sep}src${path.sep}`, `${path.sep}dist${path.sep}`);
  return existsSync(built) ? built : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface LaunchOptions {
  runDir: string;
  runId: string;
  storeDir: string;
  command: string[];
  gpusByRank: string[][];
  cwd: string;
  env: Record<string, string>;
  /** Rank 0 records the run's env.json with this (envCapture.ts). */
  envCapture?: string;
}

export async function startLocalWorkers(options: LaunchOptions): Promise<StartedWorker[]> {
  const { runDir, command, gpusByRank } = options;
  const masterPort = await freePort();
  mkdirSync(path.join(runDir, 'job'), { recursive: true });
  mkdirSync(path.join(runDir, 'artifacts'), { recursive: true });
  const started: StartedWorker[] = [];
  const holder = holderScript();
  for (let rank = 0; rank < gpusByRank.length; rank++) {
    const writer = `w${rank}`;
    const logDir = path.join(runDir, 'logs', writer);
    mkdirSync(logDir, { recursive: true });
    const stdoutFile = path.join(logDir, 'stdout.log');
    const stderrFile = path.join(logDir, 'stderr.log');
    // Both files exist from the job's start (readers look for them at once); without a holder the
    // worker writes to them itself, and the holder's own errors go to stderr's.
    const stdout = openSync(stdoutFile, 'a');
    const stderr = openSync(stderrFile, 'a');
    const exitFile = path.join(runDir, 'job', `${writer}.exit`);
    const gpus = gpusByRank[rank]!;
    const env = {
      ...process.env,
      ...options.env,
      RANK: String(rank),
      LOCAL_RANK: String(rank),
      WORLD_SIZE: String(gpusByRank.length),
      LOCAL_WORLD_SIZE: String(gpusByRank.length),
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(masterPort),
      CUDA_VISIBLE_DEVICES: gpus.join(','),
      PYTHONUNBUFFERED: '1',
      RUNLANE_DIR: options.storeDir,
      RUNLANE_RUN_ID: options.runId,
      RUNLANE_WORKER: writer,
      RUNLANE_EXIT_FILE: exitFile,
      RUNLANE_OUTPUT_DIR: path.join(runDir, 'artifacts'),
      ...(rank === 0 && options.envCapture ? { RUNLANE_ENV_CAPTURE: options.envCapture } : {}),
    };
    let held: ChildProcess | null = null;
    try {
      held = holder ? await startHolder(holder, stdoutFile, stderrFile, stderr, exitFile) : null;
      const stdio: StdioOptions = held ? [held.stdio[4]!, held.stdio[0]!, held.stdio[3]!] : ['ignore', stdout, stderr];
      const child = spawn('sh', ['-c', held ? HELD_WRAPPER : WRAPPER, 'runlane-worker', ...command], {
        cwd: options.cwd,
        detached: true, // its own session and process group
        stdio,
        env,
      });
      await spawned(child);
      started.push({ record: { rank, pid: child.pid!, gpus, exitFile }, child });
    } finally {
      // The holder's ends of its pipes are the worker's now: the daemon's copies would keep them open.
      if (held) for (const fd of [0, 3, 4]) (held.stdio[fd] as Socket | null)?.destroy();
      closeSync(stdout);
      closeSync(stderr);
    }
  }
  return started;
}

function spawned(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
}

/**
 * Starts a worker's output holder (holdOutputMain.ts) with the pipes its wrapper will get: the
 * worker's stdout (fd 0), stderr (fd 3) and the control socket (fd 4). It runs on the daemon's own
 * Node (VS Code's Electron as Node: ELECTRON_RUN_AS_NODE is in its env), in a session of its own so
 * that it outlives the daemon, while the worker starts: a Node start no longer comes before the
 * command's. Its own errors go to the worker's stderr file.
 */
async function startHolder(script: string, stdoutFile: string, stderrFile: string, stderr: number, exitFile: string): Promise<ChildProcess> {
  const held = spawn(process.execPath, [script, stdoutFile, stderrFile], {
    detached: true,
    stdio: ['pipe', 'ignore', stderr, 'pipe', 'pipe'],
    env: { ...process.env, RUNLANE_EXIT_FILE: exitFile },
  });
  await spawned(held);
  held.unref();
  return held;
}

/** Signals every process of a worker's group; true if the group still existed. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}
