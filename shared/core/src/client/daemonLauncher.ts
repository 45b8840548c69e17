// Finds the one daemon of this user through the runtime file, or starts it: `runlane serve` as a
// detached process logging to daemon.log, then waits for it to write its runtime file.
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RuntimeInfo } from '@runlane/protocol';
import { readRuntime, runtimeDir } from '../runtime/runtimeFile.js';
import { tryLock, type ReleaseLock } from '../runtime/startLock.js';
import { daemonAnswers, DaemonError } from './daemonHttp.js';

export interface ConnectOptions {
  /** Start a daemon when none answers (default true). */
  start?: boolean;
  runtimeDir?: string;
  /**
   * The command that starts `runlane serve` (default: this Node and the CLI script running now), and
   * what its environment adds (VS Code's Node is Electron: ELECTRON_RUN_AS_NODE=1).
   */
  serveCommand?: { command: string; args: string[]; env?: Record<string, string> };
  /** The store the started daemon serves by default, and that this client's requests name. */
  store?: string;
  /** Ask about a TensorBoard log directory instead of a store. */
  logdir?: string;
  /** Ask about an MLflow tracking server (its URI, `?mlflow=`) instead of a store. */
  mlflow?: string;
  /** Targets from this runlane.toml (absolute) instead of the one beside the store. */
  targetsFile?: string;
  timeoutMs?: number;
}

/** The lock a client holds from spawning a daemon until it answers (`serve` has its own). */
export const SPAWN_LOCK = 'daemon.lock';

interface Started {
  /** Set when the spawned daemon exited before it answered, with the reason from its log. */
  failure: string | null;
  release: ReleaseLock;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function findOrStart(options: ConnectOptions): Promise<RuntimeInfo> {
  const dir = options.runtimeDir ?? runtimeDir();
  const existing = readRuntime(dir);
  if (existing && (await daemonAnswers(existing))) return existing;
  if (options.start === false) throw new DaemonError('No Runlane daemon is running. Start one with `runlane serve`.');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let started: Started | null = null;
  try {
    while (Date.now() < deadline) {
      const info = readRuntime(dir);
      if (info && (await daemonAnswers(info))) return info;
      if (started?.failure) throw new DaemonError(`The Runlane daemon could not start: ${started.failure} (its log: ${logFile(dir)})`);
      // One client spawns; the others keep checking, and take over if that one gives up.
      if (!started) {
        const release = tryLock(path.join(dir, SPAWN_LOCK));
        if (release) started = spawnDaemon(dir, options, release);
      }
      await sleep(50);
    }
  } finally {
    started?.release();
  }
  throw new DaemonError(`The Runlane daemon did not start within ${Math.round(timeoutMs / 1000)} s. See its log: ${logFile(dir)}`);
}

function logFile(dir: string): string {
  return path.join(dir, 'daemon.log');
}

function spawnDaemon(dir: string, options: ConnectOptions, release: ReleaseLock): Started {
  // process.argv[1] is the CLI script running now (bin/runlane.js, or the bundled runlane.cjs).
  const serve = options.serveCommand ?? { command: process.execPath, args: [process.argv[1]!] };
  const args = [...serve.args, 'serve'];
  if (options.store) args.push('--dir', path.resolve(options.store));
  const log = openSync(logFile(dir), 'a', 0o600);
  const logStart = fstatSync(log).size; // read only this start's lines if it fails
  const started: Started = { failure: null, release };
  try {
    const child = spawn(serve.command, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...serve.env, RUNLANE_RUNTIME_DIR: dir },
    });
    child.once('error', (err) => (started.failure = err.message));
    // Exit code 0 means another daemon won the race; its runtime file is on the way.
    child.once('exit', (code) => {
      if (code !== 0) started.failure = lastLine(logFile(dir), logStart) ?? `it exited with code ${code}`;
    });
    child.unref();
  } finally {
    closeSync(log);
  }
  return started;
}

/** The last line the daemon wrote to its log since `from`, without the `runlane: ` prefix. */
function lastLine(file: string, from: number): string | null {
  try {
    const lines = readFileSync(file).subarray(from).toString('utf8').trim().split('\n');
    return lines.at(-1)?.replace(/^runlane: /, '') || null;
  } catch {
    return null;
  }
}
