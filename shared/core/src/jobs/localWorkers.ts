// Starts a job's workers on this machine. Each worker runs in its own process group (so a cancel
// reaches every process it started), writes its output straight into the run's log files (so it
// outlives the daemon), and records its exit code in a file (so a daemon that did not start it can
// still learn how it ended). The command is an argv, never a shell string: the tiny `sh` wrapper
// receives it as positional parameters ("$@"), which the shell does not re-parse.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { START_ENV_CAPTURE } from './envCapture.js';
import type { WorkerRecord } from './launcher.js';

export interface StartedWorker {
  record: WorkerRecord;
  child: ChildProcess;
}

// `exec` is not used: the shell must outlive the command to write its exit code.
const WRAPPER = START_ENV_CAPTURE + '; "$@"; code=$?; printf "%s" "$code" > "$RUNLANE_EXIT_FILE.tmp" && mv "$RUNLANE_EXIT_FILE.tmp" "$RUNLANE_EXIT_FILE"; exit "$code"';

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
  for (let rank = 0; rank < gpusByRank.length; rank++) {
    const writer = `w${rank}`;
    const logDir = path.join(runDir, 'logs', writer);
    mkdirSync(logDir, { recursive: true });
    const stdout = openSync(path.join(logDir, 'stdout.log'), 'a');
    const stderr = openSync(path.join(logDir, 'stderr.log'), 'a');
    const exitFile = path.join(runDir, 'job', `${writer}.exit`);
    const gpus = gpusByRank[rank]!;
    try {
      const child = spawn('sh', ['-c', WRAPPER, 'runlane-worker', ...command], {
        cwd: options.cwd,
        detached: true, // its own session and process group
        stdio: ['ignore', stdout, stderr],
        env: {
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
        },
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', () => resolve());
        child.once('error', reject);
      });
      started.push({ record: { rank, pid: child.pid!, gpus, exitFile }, child });
    } finally {
      closeSync(stdout);
      closeSync(stderr);
    }
  }
  return started;
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
