// A real Ray head for the tests (ray[default] from .cache/ray-venv, installed by scripts/setup-ray.sh),
// with its temp folder of its own and every port picked free, so that several heads (other test files,
// other people's tests) run side by side on one machine. It is stopped by its own processes only:
// `ray stop` would stop every Ray head of the machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './processes.js';
import { sleep } from './waitFor.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The virtual environment with Ray (scripts/setup-ray.sh). */
export const RAY_VENV = path.join(root, '.cache', 'ray-venv');
export const RAY_PYTHON = path.join(RAY_VENV, 'bin', 'python');
const RAY = path.join(RAY_VENV, 'bin', 'ray');

export interface RayHeadOptions {
  /** The test's folder: the head's temp folder and its log go under it. */
  dir: string;
  numCpus?: number;
  /** Logical GPUs: Ray hands out their ids (CUDA_VISIBLE_DEVICES) though the machine has none. */
  numGpus?: number;
  /** How long the head may take to be usable (about 10 s on an idle machine, 40 s on a busy one). */
  timeoutMs?: number;
  /** Token auth (RAY_AUTH_MODE=token): every API request then needs `Authorization: Bearer <token>`. */
  authToken?: string;
  /** More variables for the head's processes (RAY_* settings), over this process's environment. */
  env?: Record<string, string>;
}

export interface RayHead {
  /** The dashboard, i.e. the Jobs API: `http://127.0.0.1:<port>`. */
  address: string;
  /** The GCS address (`ray.init(address=...)`, RAY_ADDRESS for a driver started by hand). */
  gcsAddress: string;
  /** The interpreter of the venv Ray runs in: a Ray target's `python`. */
  python: string;
  /** The temp folder (session logs under <tempDir>/session_latest/logs). */
  tempDir: string;
  /** The pid of `ray start --block`, the leader of the head's process group. */
  leader: number;
  /** The pids of every process of this head now: Ray's own, its workers, jobs and what they started. */
  nodePids(): number[];
  /** Ends this head and everything it started (SIGTERM, then SIGKILL after a grace); idempotent. */
  stop(): Promise<void>;
}

export function rayInstalled(): boolean {
  return existsSync(RAY) && existsSync(RAY_PYTHON);
}

/** pid -> [ppid, pgid] of every process, from /proc (Linux: the engine suite runs there). */
function processTable(): Map<number, [number, number]> {
  const table = new Map<number, [number, number]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name (field 2) may hold spaces and parentheses: fields count from its last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie has ended; only its parent's wait is left
      table.set(Number(name), [Number(fields[1]), Number(fields[2])]);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function cmdlineHas(pid: number, needle: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
  } catch {
    return false;
  }
}

/** The leader's process group, every descendant of it (job drivers start sessions of their own), and
 * any process naming the head's temp folder (one reparented to init when its parent died). */
export function headPids(leader: number, tempDir: string): number[] {
  const table = processTable();
  const found = new Set<number>();
  for (const [pid, [, pgid]] of table) if (pgid === leader || pid === leader) found.add(pid);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, [ppid]] of table) {
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  for (const pid of table.keys()) if (!found.has(pid) && cmdlineHas(pid, tempDir)) found.add(pid);
  return [...found].sort((a, b) => a - b);
}

/** Whether the process runs (a zombie has ended: only its parent's wait is left). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

async function answers(url: string, token?: string, needle?: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000), headers: token ? { Authorization: `Bearer ${token}` } : {} });
    return res.ok && (needle === undefined || (await res.text()).includes(needle));
  } catch {
    return false;
  }
}

/** The head is usable: its Jobs API answers, and its node is registered with its resources (the
 * dashboard lists it 7-15 s after the Jobs API first answers on a busy machine). */
async function usable(address: string, token?: string): Promise<boolean> {
  return (
    (await answers(`${address}/api/version`, token)) &&
    (await answers(`${address}/api/jobs/`, token)) &&
    (await answers(`${address}/api/v0/nodes?limit=100`, token, '"ALIVE"')) &&
    (await answers(`${address}/api/cluster_status`, token, '"CPU"'))
  );
}

/** Starts a head and resolves once its Jobs API answers; throws with the head's log if it cannot. */
export async function startRayHead(options: RayHeadOptions): Promise<RayHead> {
  if (!rayInstalled()) throw new Error(`Ray is not installed in ${RAY_VENV}: run scripts/setup-ray.sh`);
  // Ray's unix sockets live under <temp>/session_<date>_<pid>/sockets/, and a socket path may not
  // exceed 107 bytes: a deep test folder gets a short temp folder of its own under the OS temp folder.
  let tempDir = path.join(options.dir, 'ray');
  let ownTemp = false;
  if (tempDir.length > 40) {
    tempDir = mkdtempSync(path.join(os.tmpdir(), 'rlray-'));
    ownTemp = true;
  }
  mkdirSync(tempDir, { recursive: true });
  const [gcs, dashboard, client, agentHttp, agentGrpc, runtimeEnv, metrics, nodeManager, objectManager] = await Promise.all(
    Array.from({ length: 9 }, () => freePort()),
  );
  const logFile = path.join(options.dir, 'ray-head.log');
  const log = openSync(logFile, 'a');
  const args = [
    'start', '--head', '--block', `--temp-dir=${tempDir}`, '--node-ip-address=127.0.0.1',
    `--port=${gcs}`, '--dashboard-host=127.0.0.1', `--dashboard-port=${dashboard}`, '--include-dashboard=true',
    `--ray-client-server-port=${client}`, `--dashboard-agent-listen-port=${agentHttp}`,
    `--dashboard-agent-grpc-port=${agentGrpc}`, `--runtime-env-agent-port=${runtimeEnv}`,
    `--metrics-export-port=${metrics}`, `--node-manager-port=${nodeManager}`, `--object-manager-port=${objectManager}`,
    // 0: workers bind ports the OS picks (the default range 10002-19999 is shared by every head here).
    '--min-worker-port=0', '--max-worker-port=0',
    `--num-cpus=${options.numCpus ?? 2}`, `--num-gpus=${options.numGpus ?? 0}`, '--disable-usage-stats', '--log-color=false',
  ];
  const child = spawn(RAY, args, {
    detached: true, // its own process group: stop() ends it whole
    stdio: ['ignore', log, log],
    env: { ...process.env, ...options.env, RAY_USAGE_STATS_ENABLED: '0', RAY_DEDUP_LOGS: '0', ...(options.authToken ? { RAY_AUTH_MODE: 'token', RAY_AUTH_TOKEN: options.authToken } : {}) },
  });
  closeSync(log);
  const leader = child.pid!;
  let exited = false;
  child.once('exit', () => (exited = true));
  const address = `http://127.0.0.1:${dashboard}`;
  let stopped = false;
  const head: RayHead = {
    address,
    gcsAddress: `127.0.0.1:${gcs}`,
    python: RAY_PYTHON,
    tempDir,
    leader,
    nodePids: () => headPids(leader, tempDir),
    async stop() {
      if (stopped) return;
      stopped = true;
      const pids = headPids(leader, tempDir);
      // `ray start --block` shuts its processes down in order on SIGTERM (about 5 s).
      try {
        process.kill(leader, 'SIGTERM');
      } catch {
        // already gone
      }
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline && [...pids, ...headPids(leader, tempDir)].some(processAlive)) await sleep(100);
      for (const pid of new Set([...pids, ...headPids(leader, tempDir)])) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      try {
        process.kill(-leader, 'SIGKILL');
      } catch {
        // the group is gone
      }
      if (ownTemp) rmSync(tempDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const started = readFileSync(logFile, 'utf8').includes('Ray runtime started');
    if (started && (await usable(address, options.authToken))) return head;
    if (exited || Date.now() > deadline) {
      await head.stop();
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`the Ray head did not come up (${exited ? 'it exited' : 'timed out'}); its log ${logFile} ends:\n${tail}`);
    }
    await sleep(200);
  }
}
