// What watching costs on the real daemon process (`runlane serve`, built): its inotify watches,
// counted through /proc, for a store of 1,000 finished runs and 10 running (a watch per run would be
// over 1,000: the bound of 200 tells the two apart; test/bench/watches.run.ts measures 10,000 runs and
// the idle daemon's CPU over them); and that it keeps
// showing new runs and points when the system gives no more watches (a failure injected at the one
// function that makes a watch: the real limit is system-wide and shared with this machine's other
// processes, so it is never lowered here).
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { appendPoint, inotifyWatches, writeBigStore } from '../../../../test/helpers/bigStore.js';
import { stopDaemonIn } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { DaemonClient } from '../client/daemonClient.js';
import { readRuntime } from '../runtime/runtimeFile.js';
import { StoreWriter } from '../store/index.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/runlane.js');

let tmp: string;
let store: string;
let runtime: string;

beforeEach(() => {
  tmp = makeTempDir('watches');
  store = path.join(tmp, 'store');
  runtime = path.join(tmp, 'runtime');
});
afterEach(async () => {
  await stopDaemonIn(runtime);
  removeTempDir(tmp);
}, 60_000); // 1,000 run folders take a while to remove on a busy disk

/** `runlane serve` as its own process, its stderr (its log) kept; resolves once it answers. */
async function serve(env: Record<string, string> = {}): Promise<{ child: ChildProcess; client: DaemonClient; log: () => string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--dir', store, '--idle-timeout', '0'], {
    env: { ...process.env, RUNLANE_RUNTIME_DIR: runtime, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  await waitFor(() => readRuntime(runtime) !== null || child.exitCode !== null, 120_000);
  if (child.exitCode !== null) throw new Error(`runlane serve exited: ${log}`);
  const client = await DaemonClient.connect({ runtimeDir: runtime, start: false, store });
  return { child, client, log: () => log };
}

function follow(client: DaemonClient): { events: StoreEvent[]; stop: () => void } {
  const events: StoreEvent[] = [];
  return { events, stop: client.events((e) => events.push(e)) };
}

const pointsOf = (events: StoreEvent[], id: string): number[] => events.flatMap((e) => (e.type === 'metrics' && e.run_id === id ? e.steps : []));
const updated = (events: StoreEvent[], id: string): RunSummaryLike | undefined =>
  events.flatMap((e) => (e.type === 'run-updated' && e.run.id === id ? [e.run] : [])).pop();
type RunSummaryLike = { name: string; tags: Record<string, string> };

describe('watching a store', () => {
  it('holds a few dozen watches for 1,000 finished runs and 10 running, and still shows every change live', async () => {
    const made = performance.now();
    const { finished, running, writer } = writeBigStore(store, { finished: 1_000, running: 10 });
    const madeMs = performance.now() - made;
    const started = performance.now();
    const { child, client } = await serve();
    expect((await client.runs()).length).toBe(1_010);
    const feed = follow(client);
    await waitFor(() => feed.events.some((e) => e.type === 'hello'));
    const watches = inotifyWatches(child.pid!);
    console.log(`1,010 runs (written in ${Math.round(madeMs)} ms): daemon answered in ${Math.round(performance.now() - started)} ms, holding ${watches} inotify watches`);
    expect(watches).toBeLessThanOrEqual(200);

    // A point appended to a running run.
    const live = running[3]!;
    appendPoint(path.join(store, 'runs', live, 'metrics', writer(live), 'loss.rlm'), 50, 0.125);
    await waitFor(() => pointsOf(feed.events, live).includes(50));
    // A new run, from a writer process of its own.
    const w = await StoreWriter.open(store);
    const fresh = await w.createRun({ name: 'fresh', experiment: 'e', kind: 'script' });
    // Points already there when a run is first read come in its summary, not as points: log after.
    await waitFor(() => feed.events.some((e) => e.type === 'run-created' && e.run.id === fresh));
    w.logMetric(fresh, 'loss', 7, 0.5);
    await waitFor(() => pointsOf(feed.events, fresh).includes(7));
    // Finished runs edited by other processes: a tag appended to the run's own writer's events,
    // and a rename by a writer new to the run (a new events file).
    const tagged = finished[123]!;
    appendFileSync(path.join(store, 'runs', tagged, 'events', `${writer(tagged)}.jsonl`), `${JSON.stringify({ t: 1.8e9, type: 'tags', tags: { best: 'yes' } })}\n`);
    const renamed = finished[987]!;
    const other = path.join(store, 'runs', renamed, 'events', '4242-abcdef01.jsonl');
    writeFileSync(other, [{ t: 1.8e9, type: 'hello', host: 'elsewhere', pid: 4242 }, { t: 1.8e9 + 1, type: 'name', name: 'renamed elsewhere' }].map((e) => `${JSON.stringify(e)}\n`).join(''));
    await waitFor(() => updated(feed.events, tagged)?.tags.best === 'yes' && updated(feed.events, renamed)?.name === 'renamed elsewhere', 30_000);
    expect(inotifyWatches(child.pid!)).toBeLessThanOrEqual(200);
    feed.stop();
  }, 120_000);

  it.each([
    ['runs/ itself', 0],
    ['a running run', 4],
  ])('keeps showing new runs and points when the watch limit is reached at %s, and says so once', async (_where, limit) => {
    const { running, writer } = writeBigStore(store, { finished: 3, running: 3 });
    const { client, log } = await serve({ RUNLANE_TEST_WATCH_LIMIT: String(limit) });
    const feed = follow(client);
    await waitFor(() => feed.events.some((e) => e.type === 'hello'));
    for (const [i, id] of running.entries()) appendPoint(path.join(store, 'runs', id, 'metrics', writer(id), 'loss.rlm'), 100 + i, 0.25);
    for (const [i, id] of running.entries()) await waitFor(() => pointsOf(feed.events, id).includes(100 + i));
    const w = await StoreWriter.open(store);
    const fresh = await w.createRun({ name: 'fresh', experiment: 'e', kind: 'script' });
    await waitFor(() => feed.events.some((e) => e.type === 'run-created' && e.run.id === fresh));
    w.logMetric(fresh, 'loss', 1, 0.5);
    w.logMetric(fresh, 'loss', 2, 0.4);
    await waitFor(() => pointsOf(feed.events, fresh).includes(2));
    const warnings = log()
      .split('\n')
      .filter((line) => line.includes('limit of file watches'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ENOSPC, fs.inotify.max_user_watches');
    expect(warnings[0]).toContain('sudo sysctl fs.inotify.max_user_watches=524288');
    expect((await client.health()).warnings).toEqual(warnings); // for clients to show
    feed.stop();
  }, 60_000);
});
