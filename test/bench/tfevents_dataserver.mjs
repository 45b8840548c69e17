// TensorBoard event files side by side (issue 12): TensorBoard's Rust data server (rustboard, what
// `tensorboard --load_fast=true` runs) and Runlane on the same generated files: one 200 MB file
// (TFEVENTS_MB), a folder of 32 runs x 10 MB (TFEVENTS_RUNS, TFEVENTS_RUN_MB), both of add_scalar
// events, and a 50 MB file of TF2's tensor scalars (TFEVENTS_TENSOR_MB). Each is timed from
// its start to the last step served, minus its start-up on an empty folder:
// - the data server: the binary from .venv-bench's tensorboard_data_server package, started with the
//   flags TensorBoard gives it (tensorboard/data/server_ingester.py; by default it verifies a record's
//   checksum only when the record fails to parse), and also with --checksum (every record verified,
//   as Runlane does). It is driven the way TensorBoard drives it, over gRPC (ReadScalars, HTTP/2 with
//   protobuf framed by hand here, no Python in the loop): polled until every run's last tag holds its
//   last step. Driving `tensorboard --load_fast` over HTTP instead would add TensorBoard's Python
//   start-up (seconds) and its own polling to both timings, and measure the same loader.
// - Runlane: the daemon (`runlane serve`, GET /api/v1/runs/RUN/metrics/TAG?logdir=...&from_step=LAST
//   for each run), and the reader alone in this process, with one thread and with a worker per core.
// CPU seconds (every thread of the process, from /proc or process.cpuUsage) are shown beside the wall
// times: on a shared machine they move less. Best of TFEVENTS_REPEAT (3) rounds, each round running
// every reader once. Target: Runlane's reader, one thread, >= 2x the data server on the single file.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchTags, writeEventFile } from './tfevents_gen.mjs';
import { readScalarsRequest, lastSteps } from './tfevents_grpc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const bin = path.join(root, 'shared/core/dist/cli/bin.js');
const MB = Number(process.env.TFEVENTS_MB ?? 200);
const RUNS = Number(process.env.TFEVENTS_RUNS ?? 32);
const RUN_MB = Number(process.env.TFEVENTS_RUN_MB ?? 10);
const REPEAT = Number(process.env.TFEVENTS_REPEAT ?? 3);
const TENSOR_MB = Number(process.env.TFEVENTS_TENSOR_MB ?? 50);
const TAGS = benchTags(Number(process.env.TFEVENTS_TAGS ?? 16));
const CORES = os.availableParallelism();
const execFileP = promisify(execFile);

function dataServerBinary() {
  const lib = path.join(root, '.venv-bench', 'lib');
  for (const py of existsSync(lib) ? readdirSync(lib) : []) {
    const server = path.join(lib, py, 'site-packages', 'tensorboard_data_server', 'bin', 'server');
    if (existsSync(server)) return server;
  }
  throw new Error('TensorBoard\'s data server is not installed: run `npm run bench` once (it creates .venv-bench with tensorboard from requirements-bench.txt).');
}

/** utime + stime of every thread of `pid`, in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, child, read) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before it answered`);
    const value = read();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not answer within 2 minutes`);
    await sleep(1);
  }
}

// Children still running: killed when this process is interrupted, so that no server outlives it.
const live = new Set();

async function stop(child) {
  live.delete(child);
  if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
}

/** One gRPC call over an HTTP/2 session: the response message, or null when the call failed. */
function grpcCall(session, method, message) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': `/tensorboard.data.TensorBoardDataProvider/${method}`, 'content-type': 'application/grpc', te: 'trailers' });
    const chunks = [];
    let status = null;
    req.on('response', (headers) => (status = headers['grpc-status'] ?? status));
    req.on('trailers', (trailers) => (status = trailers['grpc-status'] ?? status));
    req.on('data', (c) => chunks.push(c));
    req.on('error', reject);
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      resolve(String(status) === '0' && body.length >= 5 ? body.subarray(5, 5 + body.readUInt32BE(1)) : null);
    });
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(message.length, 1);
    req.end(Buffer.concat([frame, message]));
  });
}

/** The data server from spawn until every run's last tag holds `lastStep` (or, for none, its first answer). */
async function dataServer(server, logdir, runs, lastStep, extraFlags) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'runlane-bench-ds-'));
  const portFile = path.join(scratch, 'port');
  const t0 = performance.now();
  const child = spawn(server, [`--logdir=${logdir}`, '--reload=5', '--samples-per-plugin=', '--port=0', `--port-file=${portFile}`, '--die-after-stdin', '--host=127.0.0.1', ...extraFlags], { stdio: ['pipe', 'ignore', 'ignore'] });
  live.add(child);
  let session = null;
  try {
    const port = await waitFor('the data server', child, () => {
      const text = existsSync(portFile) ? readFileSync(portFile, 'utf8') : '';
      return text.endsWith('\n') ? Number(text) : null;
    });
    session = http2.connect(`http://127.0.0.1:${port}`);
    const request = readScalarsRequest(runs, TAGS.at(-1), 1000);
    for (let deadline = Date.now() + 300_000; ; await sleep(2)) {
      const reply = await grpcCall(session, 'ReadScalars', request);
      if (reply) {
        const steps = lastSteps(reply);
        if (runs.every((run) => steps.get(run)?.step === lastStep)) {
          const seconds = (performance.now() - t0) / 1000;
          return { seconds, cpu: cpuSeconds(child.pid), last: steps };
        }
      }
      if (Date.now() > deadline) throw new Error('the data server did not serve the last step within 5 minutes');
    }
  } finally {
    session?.destroy();
    await stop(child);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** `runlane serve` from spawn until each run's last step is served by the log-directory route (none: the run list). */
async function runlaneDaemon(logdir, runs, lastStep) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'runlane-bench-daemon-'));
  const runtime = path.join(scratch, 'daemon.json');
  const t0 = performance.now();
  const child = spawn(process.execPath, [bin, 'serve', '--dir', path.join(scratch, 'store'), '--idle-timeout', '0'], { env: { ...process.env, RUNLANE_RUNTIME_DIR: scratch }, stdio: ['ignore', 'ignore', 'ignore'] });
  live.add(child);
  try {
    const info = await waitFor('the Runlane daemon', child, () => {
      try {
        return JSON.parse(readFileSync(runtime, 'utf8'));
      } catch {
        return null;
      }
    });
    const get = async (route) => {
      const res = await fetch(`http://127.0.0.1:${info.port}/api/v1${route}`, { headers: { authorization: `Bearer ${info.token}` } });
      if (!res.ok) throw new Error(`the daemon answered ${res.status} to ${route}: ${await res.text()}`);
      return res.json();
    };
    const q = `logdir=${encodeURIComponent(logdir)}`;
    if (!runs.length) await get(`/runs?${q}`);
    for (const run of runs) {
      const series = await get(`/runs/${encodeURIComponent(run)}/metrics/${encodeURIComponent(TAGS.at(-1))}?${q}&from_step=${lastStep}`);
      if (series.steps.at(-1) !== lastStep) throw new Error(`the daemon served ${run} up to step ${series.steps.at(-1)}, not ${lastStep}`);
    }
    return { seconds: (performance.now() - t0) / 1000, cpu: cpuSeconds(child.pid) };
  } finally {
    await stop(child);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Runlane's reader alone, in a fresh process (cold, as a daemon meets a log directory; Node's start-up not counted). */
async function runlaneReader(logdir, workers, runs, lastStep) {
  const { stdout } = await execFileP(process.execPath, [path.join(here, 'tfevents_read_once.mjs'), logdir, String(workers), TAGS.at(-1), String(lastStep), ...runs], { maxBuffer: 1 << 24 });
  const got = JSON.parse(stdout);
  const last = new Map(got.last);
  for (const [run, p] of last) if (p.step !== lastStep) throw new Error(`the reader read ${run} up to step ${p.step}, not ${lastStep}`);
  return { seconds: got.seconds, cpu: got.cpu, busiest: got.busiest, last };
}

// The best of the rounds, for every reader alike: on a shared machine the others' load only ever adds.
const best = (xs) => Math.min(...xs);

async function measure(name, logdir, runs, lastStep, mb, server) {
  const empty = path.join(path.dirname(logdir), 'empty');
  mkdirSync(empty, { recursive: true });
  const readers = [
    { key: 'data_server', label: 'TensorBoard data server (as TensorBoard runs it)', run: (dir, r) => dataServer(server, dir, r, lastStep, []) },
    { key: 'data_server_checksum', label: 'TensorBoard data server --checksum', run: (dir, r) => dataServer(server, dir, r, lastStep, ['--checksum']) },
    { key: 'runlane_daemon', label: `Runlane daemon (log-directory route, ${CORES} cores)`, run: (dir, r) => runlaneDaemon(dir, r, lastStep) },
    { key: 'runlane_reader_1', label: 'Runlane reader, one thread', timedInside: true, run: (dir, r) => runlaneReader(dir, 1, r, lastStep) },
    { key: 'runlane_reader_all', label: `Runlane reader, all ${CORES} cores`, timedInside: true, run: (dir, r) => runlaneReader(dir, CORES, r, lastStep) },
  ];
  const samples = Object.fromEntries(readers.map((r) => [r.key, { seconds: [], cpu: [], busiest: [], startSeconds: [], startCpu: [] }]));
  let check = null;
  for (let round = 0; round < REPEAT; round++) {
    for (const r of readers) {
      const start = r.timedInside ? { seconds: 0, cpu: 0 } : await r.run(empty, []);
      const got = await r.run(logdir, runs);
      const s = samples[r.key];
      s.seconds.push(got.seconds - start.seconds);
      s.cpu.push(got.cpu - start.cpu);
      if (got.busiest !== undefined) s.busiest.push(got.busiest);
      s.startSeconds.push(start.seconds);
      s.startCpu.push(start.cpu);
      if (got.last && r.key === 'data_server') check = { ...check, server: got.last };
      if (got.last && r.key === 'runlane_reader_1') check = { ...check, runlane: got.last };
    }
  }
  // The last point of each run as both serve it (the data server keeps values as float32, as they were written).
  const same = runs.every((run) => {
    const a = check.server.get(run);
    const b = check.runlane.get(run);
    return a.step === b.step && a.value === b.value;
  });
  const base = best(samples.data_server.seconds);
  const baseCpu = best(samples.data_server.cpu);
  const rows = readers.map((r) => {
    const s = samples[r.key];
    const seconds = best(s.seconds);
    const cpu = best(s.cpu);
    return {
      reader: r.label,
      seconds: +seconds.toFixed(3),
      'MB/s': Math.round(mb / seconds),
      'x data server': +(base / seconds).toFixed(2),
      'CPU s': +cpu.toFixed(2),
      'x (CPU)': +(baseCpu / cpu).toFixed(2),
      'busiest thread CPU s': s.busiest.length ? +best(s.busiest).toFixed(2) : '-',
      'start-up s (subtracted)': r.timedInside ? '-' : +best(s.startSeconds).toFixed(3),
    };
  });
  // How the reader scales on idle cores, whatever the machine's load now: the busiest thread's CPU
  // time reading alone over the busiest thread's reading on every core.
  const scaling = best(samples.runlane_reader_1.busiest) / best(samples.runlane_reader_all.busiest);
  console.log(`\n${name}: ${mb.toFixed(0)} MB, ${runs.length} run(s), ${TAGS.length} tags interleaved, last step ${lastStep}; best of ${REPEAT} (load average ${os.loadavg()[0].toFixed(1)} on ${CORES} cores)`);
  console.table(rows);
  console.log(`last points identical in the data server and Runlane: ${same}; the reader on ${CORES} cores: ${scaling.toFixed(2)}x one thread on idle cores (the busiest thread's CPU time, one thread / all cores)`);
  return { name, mb, runs: runs.length, rows, samples, same_last_points: same, scaling_on_idle_cores: scaling };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-bench-tfevents-ds-'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  const server = dataServerBinary();
  const single = path.join(dir, 'single', 'logs');
  const big = writeEventFile(path.join(single, 'run'), MB, TAGS);
  const many = path.join(dir, 'many', 'logs');
  const names = Array.from({ length: RUNS }, (_, i) => `run${String(i).padStart(2, '0')}`);
  const small = writeEventFile(path.join(many, names[0]), RUN_MB, TAGS);
  for (const name of names.slice(1)) {
    mkdirSync(path.join(many, name));
    const file = 'events.out.tfevents.1700000000.bench.1.0';
    copyFileSync(path.join(many, names[0], file), path.join(many, name, file));
  }
  const tensors = path.join(dir, 'tensors', 'logs');
  const tf2 = writeEventFile(path.join(tensors, 'run'), TENSOR_MB, TAGS, 'tensor');
  const results = [
    await measure('One big event file', single, ['run'], big.lastStep, big.bytes / 1e6, server),
    await measure(`A folder of ${RUNS} runs`, many, names, small.lastStep, (small.bytes * RUNS) / 1e6, server),
    await measure('One file of TF2-style tensor scalars', tensors, ['run'], tf2.lastStep, tf2.bytes / 1e6, server),
  ];
  const oneThread = results[0].rows.find((r) => r.reader.startsWith('Runlane reader, one'));
  const pass = oneThread['x data server'] >= 2 && results.every((r) => r.same_last_points);
  console.log(`Runlane's reader, one thread, on the big file: ${oneThread['x data server']}x the data server (${oneThread['x (CPU)']}x in CPU time); target >= 2x: ${pass ? 'PASS' : 'FAIL'}`);
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(
    path.join(here, 'results', 'tfevents_dataserver.json'),
    JSON.stringify({ results, pass, cores: CORES, load_average: os.loadavg(), date: new Date().toISOString(), node: process.version, note: 'shared, noisy machine: compare ratios and CPU seconds; start-up on an empty folder subtracted' }, null, 1) + '\n',
  );
  if (!pass) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
