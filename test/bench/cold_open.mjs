// Cold open of a big store (issue 12): a store of N finished runs (10,000 by default, `--runs 100000`
// or RUNS=N), 50 points of two metrics each, generated straight in the store format, then timed from
// new processes: the daemon's start to the full run list (GET /api/v1/runs through a real `runlane
// serve`), `runlane ls --json`, the daemon's memory (RSS) and the inotify watches it holds. Each is
// measured twice: the first open (no index yet: every run folder is read, in worker threads, and the
// index written; the files are in the page cache, as just written) and the next one (the index reused).
// Beside them, MLflow's search_runs over the same runs in a SQLite store, when a Python with MLflow
// is found (MLFLOW_PYTHON, .venv-bench or .cache/mlflow-venv; `--no-mlflow` skips it). Target: <= 1 s at 10,000 runs, <= 3 s
// at 100,000; RSS <= 150 MB at 10,000, <= 500 MB at 100,000.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'shared/core/dist/cli/bin.js');
const results = path.join(root, 'test/bench/results');
const argRuns = process.argv.indexOf('--runs');
const RUNS = Number(argRuns > 0 ? process.argv[argRuns + 1] : (process.env.RUNS ?? 10_000));
const POINTS = 50;
const target = { ms: RUNS <= 10_000 ? 1000 : 3000, rssMib: RUNS <= 10_000 ? 150 : 500 };

/** Writes the store directly (no writer API): a few files per run, like a year of small runs, whose
 * writers (kernels, scripts) ran on this host and have long exited: a few pids of processes that
 * have exited, as the run index judges writers (docs/store-format.md "Index"). */
function generateStore(dir) {
  const host = os.hostname();
  const gonePids = Array.from({ length: 5 }, () => spawnSync(process.execPath, ['-e', '']).pid);
  writeFileSync(path.join(dir, 'runlane-store.json'), JSON.stringify({ format: 'runlane-store', version: 1 }));
  const base = 1.7e9;
  const header = Buffer.from('RLM1\0\0\0\0', 'latin1');
  for (let i = 0; i < RUNS; i++) {
    const id = `20250101-${String(i).padStart(6, '0')}-${(i * 2654435761 >>> 0).toString(16).padStart(8, '0').slice(0, 6)}`;
    const pid = gonePids[i % gonePids.length];
    const writer = `${pid}-${(i * 40503 >>> 0).toString(16).padStart(8, '0')}`;
    const runDir = path.join(dir, 'runs', id);
    const created = base + i * 60;
    mkdirSync(path.join(runDir, 'events'), { recursive: true });
    mkdirSync(path.join(runDir, 'metrics', writer), { recursive: true });
    writeFileSync(path.join(runDir, 'meta.json'), JSON.stringify({
      id, name: `run ${i}`, experiment: `exp-${i % 20}`, created_at: created, kind: 'script',
      writer, host, pid, notebook: null, cell_id: null, source_sha256: null, execution_count: null,
    }));
    const events = [
      { t: created, type: 'hello', host, pid },
      { t: created + 0.1, type: 'status', status: 'running' },
      { t: created + 0.2, type: 'params', params: { lr: 0.001 * (1 + (i % 7)), batch: 32 << (i % 3), model: `mlp-${i % 4}` } },
      { t: created + 30, type: 'status', status: i % 10 === 0 ? 'failed' : 'finished' },
    ];
    writeFileSync(path.join(runDir, 'events', `${writer}.jsonl`), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const key of ['loss', 'acc']) {
      const buf = Buffer.alloc(header.length + POINTS * 24);
      header.copy(buf);
      for (let s = 0; s < POINTS; s++) {
        const at = header.length + s * 24;
        buf.writeBigInt64LE(BigInt(s), at);
        buf.writeDoubleLE(created + s * 0.5, at + 8);
        buf.writeDoubleLE(key === 'loss' ? Math.exp(-s / 20) + (i % 13) * 0.01 : 1 - Math.exp(-s / 15), at + 16);
      }
      const fd = openSync(path.join(runDir, 'metrics', writer, `${key}.rlm`), 'w');
      writeSync(fd, buf);
      closeSync(fd);
    }
  }
}

/** The inotify watches `pid` holds (as test/helpers/bigStore.ts inotifyWatches counts them): the
 * `inotify wd:` lines of its inotify descriptors' fdinfo. */
function inotifyWatches(pid) {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link = null;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (link !== 'anon_inode:inotify') continue;
    count += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((line) => line.startsWith('inotify wd:')).length;
  }
  return count;
}

function rssMib(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

/** `runlane serve` as its own process, from spawn to the whole run list over HTTP. */
async function daemonOpen(store, runtime) {
  mkdirSync(runtime, { recursive: true });
  const runtimeFile = path.join(runtime, 'daemon.json');
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'serve', '--dir', store, '--idle-timeout', '0'], {
    env: { ...process.env, RUNLANE_RUNTIME_DIR: runtime }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  try {
    let info = null;
    while (!info) {
      if (child.exitCode !== null) throw new Error(`the daemon exited: ${stderr}`);
      try {
        info = JSON.parse(readFileSync(runtimeFile, 'utf8'));
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const res = await fetch(`http://127.0.0.1:${info.port}/api/v1/runs?store=${encodeURIComponent(store)}`, { headers: { authorization: `Bearer ${info.token}` } });
    const body = await res.json();
    const ms = performance.now() - t0;
    const runs = Array.isArray(body) ? body.length : (body.runs?.length ?? NaN);
    if (runs !== RUNS) throw new Error(`the daemon listed ${runs} runs, not ${RUNS}: ${JSON.stringify(body).slice(0, 300)}`);
    return { ms: Math.round(ms), rss_mib: rssMib(child.pid), watches: inotifyWatches(child.pid) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

function cliLs(store) {
  const t0 = performance.now();
  const out = spawnSync(process.execPath, [bin, 'ls', '--json', '--dir', store], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (out.status !== 0) throw new Error(`runlane ls failed: ${out.stderr}`);
  const runs = JSON.parse(out.stdout).length;
  if (runs !== RUNS) throw new Error(`runlane ls listed ${runs} runs, not ${RUNS}`);
  return { ms: Math.round(ms) };
}

function mlflowPython() {
  for (const p of [process.env.MLFLOW_PYTHON, path.join(root, '.venv-bench/bin/python'), path.join(root, '.cache/mlflow-venv/bin/python')]) {
    if (p && existsSync(p) && spawnSync(p, ['-c', 'import mlflow'], { stdio: 'ignore' }).status === 0) return p;
  }
  return null;
}

// `--keep DIR`: the store is generated into DIR once and kept, so two builds (before and after a
// change) are measured on the same files at the same load, without minutes of generation each time.
const argKeep = process.argv.indexOf('--keep');
const kept = argKeep > 0 ? path.resolve(process.argv[argKeep + 1]) : null;
const dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-bench-cold-open-'));
const table = [];
const figures = { runs: RUNS };
try {
  const store = kept ? path.join(kept, `store-${RUNS}`) : path.join(dir, 'store');
  if (!existsSync(path.join(store, 'runlane-store.json'))) {
    rmSync(store, { recursive: true, force: true });
    mkdirSync(store, { recursive: true });
    const g0 = performance.now();
    generateStore(store);
    figures.generate_ms = Math.round(performance.now() - g0);
    // Files written in the last 2 s are not indexed yet (their mtimes could still hide a change): a
    // year-old store has none, so the first open should not meet any either.
    await new Promise((r) => setTimeout(r, 2_500));
  }
  rmSync(path.join(store, '.runlane-index'), { recursive: true, force: true }); // every first open is a first open

  const first = await daemonOpen(store, path.join(dir, 'rt1'));
  const again = await daemonOpen(store, path.join(dir, 'rt2'));
  figures.daemon_first_ms = first.ms;
  figures.daemon_ms = again.ms;
  figures.daemon_rss_mib = again.rss_mib;
  figures.daemon_first_rss_mib = first.rss_mib;
  figures.daemon_watches = again.watches;
  rmSync(path.join(store, '.runlane-index'), { recursive: true, force: true }); // the CLI's first open builds its own
  figures.cli_ls_first_ms = cliLs(store).ms;
  figures.cli_ls_ms = cliLs(store).ms;
  // Everything measured here shares the machine with whatever else runs: the load says how much.
  figures.load_average = os.loadavg().map((l) => Math.round(l * 10) / 10);

  const py = process.argv.includes('--no-mlflow') ? null : mlflowPython();
  if (py) {
    const out = spawnSync(py, [path.join(root, 'test/bench/cold_open_mlflow.py'), String(RUNS), String(POINTS), path.join(dir, 'mlflow')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (out.status === 0) Object.assign(figures, JSON.parse(out.stdout.trim().split('\n').pop()));
    else figures.mlflow_skipped = `MLflow failed: ${out.stderr.trim().split('\n').slice(-3).join(' ')}`;
  } else if (process.argv.includes('--no-mlflow')) figures.mlflow_skipped = '--no-mlflow';
  else figures.mlflow_skipped = 'no Python with MLflow (MLFLOW_PYTHON, .venv-bench or .cache/mlflow-venv): npm run bench installs it';

  const mlflow = figures.mlflow_search_ms === undefined ? '-' : `${figures.mlflow_search_ms} ms`;
  const pass = (ms, t = target.ms) => (ms <= t ? 'PASS' : 'FAIL');
  table.push(['daemon start to full list (index reused)', `${figures.daemon_ms} ms`, mlflow, pass(figures.daemon_ms)]);
  table.push(['daemon start to full list (first open, builds the index)', `${figures.daemon_first_ms} ms`, '', '-']);
  table.push(['runlane ls --json (index reused)', `${figures.cli_ls_ms} ms`, mlflow, pass(figures.cli_ls_ms)]);
  table.push(['runlane ls --json (first open, builds the index)', `${figures.cli_ls_first_ms} ms`, '', '-']);
  table.push(['daemon RSS with the list served', `${figures.daemon_rss_mib} MiB`, '', pass(figures.daemon_rss_mib, target.rssMib)]);
  table.push(['daemon RSS, first open', `${figures.daemon_first_rss_mib} MiB`, '', '-']);
  // Finished runs are not watched (docs/daemon.md): runs/ and the store, whatever the store's size.
  table.push(['inotify watches held by the daemon', `${figures.daemon_watches}`, '', pass(figures.daemon_watches, 200)]);
  console.log(`Cold open of ${RUNS.toLocaleString('en')} finished runs (${POINTS} points of 2 metrics each; ${figures.generate_ms === undefined ? `kept in ${store}` : `generated in ${figures.generate_ms} ms`})`);
  console.log(['', 'Runlane', 'MLflow search_runs (SQLite)', 'target'].join(' | '));
  for (const row of table) console.log(row.join(' | '));
  if (figures.mlflow_skipped) console.log(`MLflow column skipped: ${figures.mlflow_skipped}`);
  const targets = { daemon_list: figures.daemon_ms <= target.ms, cli_ls: figures.cli_ls_ms <= target.ms, daemon_rss: figures.daemon_rss_mib <= target.rssMib, watches: figures.daemon_watches <= 200 };
  console.log(`load average when Runlane was measured: ${figures.load_average.join(', ')} (1, 5, 15 min; ${os.cpus().length} cores)`);
  mkdirSync(results, { recursive: true });
  if (process.env.RUNLANE_BENCH_NO_RESULTS !== '1') writeFileSync(path.join(results, RUNS === 10_000 ? 'cold_open.json' : `cold_open_${RUNS}.json`),
    JSON.stringify({ figures, targets, machine: { cpus: os.cpus().length, date: new Date().toISOString() } }, null, 1) + '\n');
  if (!Object.values(targets).every(Boolean)) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
