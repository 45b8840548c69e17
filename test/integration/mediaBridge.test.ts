// The editors' HostBridge (HttpHostBridge, JupyterLab's) reads a TensorBoard run's images, texts and
// histograms from a real daemon (?logdir=): the details' keys, the list, the bytes and the buckets.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { Daemon } from '@runlane/core';
import { HttpHostBridge } from '@runlane/ui';

const logdir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tfevents/media');
const expected = JSON.parse(readFileSync(path.join(logdir, 'expected.json'), 'utf8')) as Record<string, Record<string, { events: unknown[][] }>>;
const RUN = { source: logdir, id: 'tensor_form' };

let tmp = '';
let daemon: Daemon;
beforeAll(async () => {
  tmp = makeTempDir('media-bridge');
  daemon = new Daemon({ defaultStore: path.join(tmp, 'store'), runtimeDir: path.join(tmp, 'rt'), idleTimeout: 0 });
  await daemon.start();
});
afterAll(async () => {
  await daemon.close();
  removeTempDir(tmp);
});

describe('HttpHostBridge media', () => {
  it('lists, reads and buckets a TensorBoard run\'s media as TensorBoard\'s loader does', async () => {
    const bridge = new HttpHostBridge(`http://127.0.0.1:${daemon.port}`, [{ kind: 'logdir', path: logdir }], () => ({ headers: { 'x-runlane-token': daemon.token } }));
    const detail = await bridge.getRun(RUN);
    expect([detail.media_keys, detail.histogram_keys]).toEqual([['pics', 'poem'], ['dist']]);
    const pics = await bridge.listMedia(RUN, 'pics');
    const hashes = await Promise.all(pics.map(async (i) => createHash('sha256').update(await bridge.readMedia(RUN, i.ref)).digest('hex')));
    expect(pics.map((i, n) => [i.step, i.wall_time, i.width, i.height, hashes[n]])).toEqual(expected.tensor_form!.pics!.events);
    const poem = await bridge.listMedia(RUN, 'poem');
    expect(poem.map((i) => [i.step, i.wall_time, i.text])).toEqual(expected.tensor_form!.poem!.events);
    const dist = await bridge.getHistograms(RUN, 'dist');
    expect(dist.steps.map((s) => [s.step, s.wall_time, s.counts.map((c, i) => [s.edges[i], s.edges[i + 1], c])])).toEqual(expected.tensor_form!.dist!.events);
    await expect(bridge.readMedia(RUN, 'nothing:0:0:0')).rejects.toThrow(/has no media item/);
  });
});
