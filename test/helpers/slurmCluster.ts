// A throwaway single-node Slurm cluster for a test file (test/engines/slurm/start-slurm.sh). Started
// without blocking the test worker's event loop: a synchronous start (execFileSync) held the vitest
// worker for a minute on a loaded machine, past its own RPC timeout. A start that fails says why,
// with the end of the cluster's logs.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ENGINES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../engines/slurm');
const run = promisify(execFile);

function logTail(slurmDir: string): string {
  return ['slurmctld.log', 'slurmd.log']
    .map((name) => path.join(slurmDir, 'log', name))
    .filter((file) => existsSync(file))
    .map((file) => `${path.basename(file)}:\n${readFileSync(file, 'utf8').split('\n').slice(-15).join('\n')}`)
    .join('\n');
}

/** Starts a cluster in `slurmDir` (SLURM_CONF is then slurmDir/etc/slurm.conf); `env` adds ports, fake GPUs. */
export async function startSlurm(slurmDir: string, env: Record<string, string> = {}, timeoutMs = 150_000): Promise<void> {
  try {
    await run('bash', [path.join(ENGINES, 'start-slurm.sh'), slurmDir], { env: { ...process.env, ...env }, timeout: timeoutMs });
  } catch (err) {
    const { stderr = '', message } = err as { stderr?: string; message: string };
    throw new Error(`The test's Slurm cluster did not start: ${stderr.trim() || message}\n${logTail(slurmDir)}`, { cause: err });
  }
}

/** Stops what startSlurm started (by its pid files). */
export async function stopSlurm(slurmDir: string): Promise<void> {
  await run('bash', [path.join(ENGINES, 'stop-slurm.sh'), slurmDir], { timeout: 60_000 });
}
