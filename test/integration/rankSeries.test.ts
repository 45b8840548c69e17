// The charts' HostBridge (HttpHostBridge, JupyterLab's) asks a real daemon for one rank's series:
// `rank` travels as `?rank=N` and comes back as the series' rank (contract C1).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { Daemon } from '@runlane/core';
import { HttpHostBridge } from '@runlane/ui';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const store = path.join(fixtures, 'store-ranks');
const RUN = { source: store, id: '20261102-090000-eeeeee' };

let tmp: string;
let daemon: Daemon;
beforeEach(async () => {
  tmp = makeTempDir('rank-series');
  daemon = new Daemon({ defaultStore: store, runtimeDir: path.join(tmp, 'rt'), idleTimeout: 0 });
  await daemon.start();
});
afterEach(async () => {
  await daemon.close();
  removeTempDir(tmp);
});

describe('HttpHostBridge series by rank', () => {
  it('gets the primary series by default and one rank\'s on request', async () => {
    const bridge = new HttpHostBridge(`http://127.0.0.1:${daemon.port}`, [{ kind: 'store', path: store }], () => ({ headers: { 'x-runlane-token': daemon.token } }));
    const [listed] = await bridge.listRuns();
    expect(listed!.run.ranks).toEqual([0, 1]);
    const primary = await bridge.getSeries(RUN, 'loss', { points: 0 });
    expect([primary.rank, primary.values]).toEqual([null, [3, 2, 1]]);
    const one = await bridge.getSeries(RUN, 'loss', { points: 0, rank: 1 });
    expect([one.rank, one.values]).toEqual([1, [30, 20, 10]]);
    await expect(bridge.getSeries(RUN, 'acc', { points: 0, rank: 1 })).rejects.toThrow(/Rank 1 of run "20261102-090000-eeeeee" logged no "acc"/);
  });

  it('gives a TensorBoard run\'s series without a rank, and no series for a rank', async () => {
    const logdir = path.join(fixtures, 'tfevents', 'pytorch', 'add_scalars');
    const bridge = new HttpHostBridge(`http://127.0.0.1:${daemon.port}`, [{ kind: 'logdir', path: logdir }], () => ({ headers: { 'x-runlane-token': daemon.token } }));
    const tb = { source: logdir, id: 'metrics_val' };
    expect((await bridge.getSeries(tb, 'metrics', { points: 0 })).rank).toBeNull();
    await expect(bridge.getSeries(tb, 'metrics', { points: 0, rank: 1 })).rejects.toThrow(/TensorBoard run; it has no rank 1/);
  });
});
