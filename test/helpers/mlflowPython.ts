// Plain `mlflow` Python code against a test's server, with the venv scripts/setup-mlflow.sh makes: it
// logs runs as a team member's script would, and counts what is on the server to check Runlane's side.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { MLFLOW_VENV } from './mlflowServer.js';

export const MLFLOW_PYTHON = path.join(MLFLOW_VENV, 'bin/python');

function pythonEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true', PYTHONUNBUFFERED: '1', ...env };
}

/**
 * Runs `code` with the MLflow venv's python (`env`: the server's MLFLOW_* variables) and resolves with
 * its stdout; rejects with its stderr when it exits non-zero or runs past `timeoutMs`.
 */
export function runMlflowPython(code: string, env: Record<string, string>, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(MLFLOW_PYTHON, ['-c', code], { env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`python exited ${code}: ${err.slice(-3000)}`));
    });
  });
}

/** Runs `code` and resolves with the JSON it prints last (one line). */
export async function mlflowPythonJson<T>(code: string, env: Record<string, string>, timeoutMs?: number): Promise<T> {
  const out = await runMlflowPython(code, env, timeoutMs);
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}

/**
 * Starts `code` without waiting (a script that logs for a while, as a live run): lines it prints are
 * passed to `onLine`. The caller stops it (child.kill) or waits for its exit.
 */
export function startMlflowPython(code: string, env: Record<string, string>, onLine: (line: string) => void = () => {}): ChildProcess {
  const child = spawn(MLFLOW_PYTHON, ['-c', code], { env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-3000)));
  child.on('close', (code) => {
    if (code !== 0 && code !== null) process.stderr.write(`mlflow python script exited ${code}: ${err}\n`);
  });
  return child;
}
