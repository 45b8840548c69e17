// The store watcher on real folders: a live run is watched folder by folder (a writer's new folder
// included), an ended one is let go after its grace, and its later edits are still reported by the
// sweep; a deleted run is let go at once.
import { appendFileSync, mkdirSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendPoint, writeBigStore } from '../../../../test/helpers/bigStore.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../test/helpers/waitFor.js';
import { StoreWatcher } from './storeWatcher.js';

let tmp: string;
let store: string;
let watcher: StoreWatcher;
let seen: string[];

beforeEach(() => {
  tmp = makeTempDir('watcher');
  store = path.join(tmp, 'store');
  seen = [];
});
afterEach(async () => {
  await watcher.close();
  removeTempDir(tmp);
});

const saw = (file: string): boolean => seen.includes(file);

describe('StoreWatcher', () => {
  it('watches a live run folder by folder, lets it go once ended, and still reports its edits', async () => {
    const { running, finished, writer } = writeBigStore(store, { finished: 2, running: 1 });
    const id = running[0]!;
    const runDir = path.join(store, 'runs', id);
    watcher = new StoreWatcher(store, (files) => seen.push(...files));
    await watcher.start();
    expect(watcher.watchCount).toBe(1); // runs/ only: nothing is live until told
    watcher.setLive(id, true);
    expect(watcher.watchCount).toBe(5); // and the run, events/, metrics/, metrics/<writer>/

    const loss = path.join(runDir, 'metrics', writer(id), 'loss.rlm');
    appendPoint(loss, 60, 0.5);
    await waitFor(() => saw(loss));
    // A second writer (a job's rank 1, say) starts logging: its new folder is watched too.
    mkdirSync(path.join(runDir, 'logs', 'r1-0000abcd'), { recursive: true });
    const out = path.join(runDir, 'logs', 'r1-0000abcd', 'stdout.log');
    await waitFor(() => watcher.watchCount === 7);
    appendFileSync(out, 'hello\n');
    await waitFor(() => saw(out));

    watcher.setLive(id, false);
    await waitFor(() => watcher.watchCount === 1, 10_000); // after the grace for its last writes
    const events = path.join(runDir, 'events', `${writer(id)}.jsonl`);
    appendFileSync(events, `${JSON.stringify({ t: 2e9, type: 'tags', tags: { late: 'yes' } })}\n`);
    const other = path.join(store, 'runs', finished[1]!, 'events', '77-0000beef.jsonl');
    appendFileSync(other, `${JSON.stringify({ t: 2e9, type: 'hello', host: 'h', pid: 77 })}\n`);
    await waitFor(() => saw(events) && saw(other), 10_000);
    expect(watcher.watchCount).toBe(1);
  }, 30_000);

  it('gives back the watches of a live run that has been quiet for long, and keeps those of an active one', async () => {
    const { running, writer } = writeBigStore(store, { finished: 0, running: 2 });
    const [quiet, active] = running as [string, string];
    watcher = new StoreWatcher(store, (files) => seen.push(...files), 1_500);
    await watcher.start();
    watcher.setLive(quiet, true);
    watcher.setLive(active, true);
    expect(watcher.watchCount).toBe(9);
    const loss = path.join(store, 'runs', active, 'metrics', writer(active), 'loss.rlm');
    for (let step = 0; step < 15; step++) {
      appendPoint(loss, 100 + step, 0.1); // a point every 200 ms: never quiet
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(watcher.watchCount).toBe(5); // runs/ and the active run's four folders
    watcher.setLive(quiet, true); // still live: its watches are not made again
    expect(watcher.watchCount).toBe(5);
  });

  it('follows a new run at once and lets go of a deleted one', async () => {
    writeBigStore(store, { finished: 1, running: 0 });
    watcher = new StoreWatcher(store, (files) => seen.push(...files));
    await watcher.start();
    const fresh = path.join(store, 'runs', '20260101-000000-abcdef');
    mkdirSync(path.join(fresh, 'events'), { recursive: true });
    await waitFor(() => watcher.watchCount === 3 && saw(fresh));
    mkdirSync(path.join(store, 'trash'));
    renameSync(fresh, path.join(store, 'trash', '20260101-000000-abcdef'));
    await waitFor(() => watcher.watchCount === 1);
  });
});
