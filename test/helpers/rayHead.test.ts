// The Ray head helper against a real head: its Jobs API answers with the pinned Ray, its logical GPUs
// are there, and stop() leaves none of its processes behind (it must never take `ray stop`'s road of
// stopping every head on the machine: a second head, started here too, is untouched by the first's stop).
import { afterAll, describe, expect, it } from 'vitest';
import { processAlive, startRayHead, type RayHead } from './rayHead.js';
import { makeTempDir, removeTempDir } from './tempDir.js';


describe('startRayHead', () => {
  const dir = makeTempDir('ray-head');
  const heads: RayHead[] = [];
  afterAll(async () => {
    await Promise.all(heads.map((h) => h.stop()));
    removeTempDir(dir);
  });

  it('starts a head with its own ports and logical GPUs, and stop() ends only its processes', async () => {
    const [a, b] = await Promise.all([
      startRayHead({ dir: `${dir}/a`, numCpus: 1, numGpus: 2 }),
      startRayHead({ dir: `${dir}/b`, numCpus: 1 }),
    ]);
    heads.push(a, b);
    expect(a.address).not.toBe(b.address);
    const version = (await (await fetch(`${a.address}/api/version`)).json()) as { ray_version: string };
    expect(version.ray_version).toBe('2.60.0');
    const summary = await (await fetch(`${a.address}/nodes?view=summary`)).json() as { data: { summary: { raylet: { resourcesTotal?: Record<string, number> } }[] } };
    expect(JSON.stringify(summary.data.summary)).toContain('"GPU":2');
    const pids = a.nodePids();
    expect(pids.length).toBeGreaterThan(5); // gcs_server, raylet, dashboard, agents...
    await a.stop();
    expect(pids.filter(processAlive)).toEqual([]);
    expect(b.nodePids().length).toBeGreaterThan(5);
    expect((await fetch(`${b.address}/api/version`)).ok).toBe(true);
  }, 180_000);
});
