// The GPUs of this machine: RUNLANE_FAKE_GPUS (a count, for tests and CI, which have none), else
// nvidia-smi's list, else none.
import { execFileSync } from 'node:child_process';

export function detectLocalGpus(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.RUNLANE_FAKE_GPUS !== undefined) {
    const n = Number(env.RUNLANE_FAKE_GPUS);
    return Number.isInteger(n) && n > 0 ? Array.from({ length: n }, (_, i) => String(i)) : [];
  }
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.split('\n').map((l) => l.trim()).filter(Boolean);
  } catch {
    return [];
  }
}
