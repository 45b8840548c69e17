// What watching a big store costs the real daemon (`runlane serve`, built): 10,000 finished runs and
// 10 running. Its inotify watches (counted through /proc; target <= 200), beside the anchor: the
// folders of the same store, one watch each, which a recursive watcher (watchdog, chokidar) holds;
// and the CPU the idle daemon spends sweeping the finished runs for edits by other processes (paced:
// target < 15% of a core). shared/core/src/watch/watches.test.ts proves the same bound and the live
// changes on 1,000 runs in npm test.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { DaemonClient } from '../../shared/core/src/client/daemonClient.js';
import { readRuntime } from '../../shared/core/src/runtime/runtimeFile.js';
import { appendPoint, inotifyWatches, writeBigStore } from '../helpers/bigStore.js';
import { stopDaemonIn } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { sleep, waitFor } from '../helpers/waitFor.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../shared/core/bin/runlane.js');
const FINISHED = Number(process.env.WATCHES_RUNS ?? 10_000);
const IDLE_MS = 10_000;

/** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The folders under `dir`, itself included: what a recursive watcher puts a watch on. */
function folders(dir: string): number {
  let n = 1;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) n += folders(path.join(dir, e.name));
  return n;
}

it(`watches a store of ${FINISHED} finished runs and 10 running`, async () => {
  const tmp = makeTempDir('bench-watches');
  const store = path.join(tmp, 'store');
  const runtime = path.join(tmp, 'runtime');
  let child: ChildProcess | undefined;
  try {
    const { finished, running, writer } = writeBigStore(store, { finished: FINISHED, running: 10 });
    const started = performance.now();
    child = spawn(process.execPath, [bin, 'serve', '--dir', store, '--idle-timeout', '0'], {
      env: { ...process.env, RUNLANE_RUNTIME_DIR: runtime },
      stdio: 'ignore',
    });
    await waitFor(() => readRuntime(runtime) !== null || child!.exitCode !== null, 120_000);
    const client = await DaemonClient.connect({ runtimeDir: runtime, start: false, store });
    expect((await client.runs()).length).toBe(FINISHED + 10);
    const answeredMs = performance.now() - started;
    // A point appended to a running run comes live: the watches in place are the ones that work.
    const tagged = finished[1234]!;
    let hello = false;
    let seen = false;
    let edited = false;
    const stop = client.events((e) => {
      hello ||= e.type === 'hello';
      seen ||= e.type === 'metrics' && e.run_id === running[3] && e.steps.includes(50);
      edited ||= e.type === 'run-updated' && e.run.id === tagged && e.run.tags.best === 'yes';
    });
    await waitFor(() => hello, 30_000); // the feed is subscribed
    appendPoint(path.join(store, 'runs', running[3]!, 'metrics', writer(running[3]!), 'loss.rlm'), 50, 0.125);
    await waitFor(() => seen, 30_000);
    // A finished run edited by another process is found by the paced sweep (as in the test): the
    // measurement below starts once a sweep has gone over the store.
    appendFileSync(path.join(store, 'runs', tagged, 'events', `${writer(tagged)}.jsonl`), `${JSON.stringify({ t: 1.8e9, type: 'tags', tags: { best: 'yes' } })}\n`);
    const sweepStarted = performance.now();
    await waitFor(() => edited, 60_000);
    const editFoundMs = performance.now() - sweepStarted;
    stop();
    const watches = inotifyWatches(child.pid!);
    const anchor = folders(store);
    const before = cpuMs(child.pid!);
    await sleep(IDLE_MS); // a measurement window: the idle daemon's CPU over it
    const idleShare = (cpuMs(child.pid!) - before) / IDLE_MS;

    const figures = { runs: FINISHED + 10, daemon_answered_ms: Math.round(answeredMs), finished_run_edit_found_ms: Math.round(editFoundMs), inotify_watches: watches, recursive_watcher_watches: anchor, idle_cpu_share: Number(idleShare.toFixed(4)) };
    const targets = { watches_le_200: watches <= 200, idle_cpu_lt_15pct: idleShare < 0.15 };
    console.log(`\nWatching a store of ${FINISHED + 10} runs (the real daemon)`);
    for (const [a, b, c] of [
      ['daemon started and listed every run', `${Math.round(answeredMs)} ms`, ''],
      ['edit of a finished run by another process found', `${Math.round(editFoundMs)} ms`, ''],
      ['inotify watches held', String(watches), '<= 200'],
      ['anchor: a recursive watcher (one per folder)', String(anchor), ''],
      ['idle daemon CPU (sweeping finished runs)', `${(idleShare * 100).toFixed(1)}% of a core`, '< 15%'],
    ]) console.log(`${a!.padEnd(50)}${b!.padEnd(20)}${c}`);
    console.log(Object.entries(targets).map(([k, v]) => `${k}: ${v ? 'PASS' : 'FAIL'}`).join(', '));
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(path.join(here, 'results', 'watches.json'), `${JSON.stringify({ figures, targets, machine: { cpus: os.cpus().length, date: new Date().toISOString() } }, null, 1)}\n`);
    expect(watches).toBeLessThanOrEqual(200);
    expect(idleShare).toBeLessThan(0.15);
  } finally {
    await stopDaemonIn(runtime);
    if (child && child.exitCode === null) child.kill('SIGKILL');
    removeTempDir(tmp);
  }
}, 600_000);
