// The daemon killed with kill -9 while a Ray job runs, and started again. The workers are Ray's (the
// job runs on in the cluster); the daemon brings their output back over Ray's log tail into the local
// store and records how far it got, so a daemon killed between writing lines and recording that offset
// could repeat or drop lines. The new daemon re-adopts the job from its job.json and goes on from
// what the local files hold: every line of every worker once, in order (counted), and Ray's own lines
// (job/ray.log) each once, as Ray's own copy of the job's log has them. A real Ray head
// (the engine suite's shared one, test/helpers/sharedRayHead.ts; a file run alone starts its own), the
// daemon as its own process (`runlane serve`), as in use. Listed under the ray engine in
// test/suites/engines.json (npm test runs it in the engines suite).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineSplitter, parseFrame } from '../../shared/core/src/jobs/ray/rayFrames.js';
import { sharedRayHead, type SharedRayHead } from '../helpers/sharedRayHead.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { FULL, faultRow } from './faultRow.js';
import { endKilledDaemons, killedDaemonFolders, killMidJob, numberedWorker } from './killMidJob.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LINES = FULL ? 20_000 : 2_000;
const WORKERS = 2;
const hasRay = existsSync(path.join(ROOT, '.cache/ray-venv/bin/ray')) && process.platform === 'linux';

describe.skipIf(!hasRay)('the daemon killed with kill -9 during a Ray job', () => {
  // The head runs on this machine, so the workers see the file their second halves wait for.
  const k = killedDaemonFolders(makeTempDir('fault-killed-ray'));
  let head: SharedRayHead | undefined;

  beforeAll(async () => {
    head = await sharedRayHead(k.tmp);
    writeFileSync(
      path.join(k.tmp, 'runlane.toml'),
      `[targets.ray]\nkind = "ray"\naddress = "${head.address}"\npython = "${head.python}"\ntoken_env = "RUNLANE_FAULT_RAY_TOKEN"\n`,
    );
  }, 120_000);

  afterAll(async () => {
    endKilledDaemons(k); // a worker left waiting would hold the shared head's CPUs after the test
    try {
      await head?.release(); // only a head of this file's own is stopped
    } finally {
      removeTempDir(k.tmp);
    }
  }, 120_000);

  it('re-adopts the job and brings back every line of every worker once', async () => {
    const row = faultRow({ fault: 'daemon kill -9 during a Ray job, then restarted', load: `${WORKERS} workers x ${LINES.toLocaleString('en')} lines on a real Ray head`, checked: "re-adopted; finished; every line once, in order; Ray's own lines (job/ray.log) once" });
    let runId = '';
    const counts = await killMidJob(k, {
      env: { RUNLANE_FAULT_RAY_TOKEN: head!.token }, // the token comes from the variable the target names
      workers: WORKERS,
      lines: LINES,
      linesTimeout: 90_000,
      submit: async (client) => (runId = (await client.submitJob({ target: 'ray', command: ['python', '-c', numberedWorker(LINES), k.go], workers: WORKERS, gpusPerWorker: 0, name: 'ray overnight' })).run_id),
    });
    const ray = await rayOwnLines(runId);
    const kept = readFileSync(path.join(k.store, 'runs', runId, 'job', 'ray.log'), 'utf8').split('\n').slice(0, -1);
    expect(ray.length).toBeGreaterThan(0); // Ray's connection lines at the driver's start, at least
    expect(kept).toEqual(ray);
    row.pass({ ...counts, lines: WORKERS * LINES, ray_lines: kept.length });
  }, 300_000);

  /** Ray's own lines of the job (what job/ray.log keeps), from Ray's own copy of its whole log. */
  async function rayOwnLines(runId: string): Promise<string[]> {
    const res = await fetch(`${head!.address}/api/jobs/runlane-${runId}/logs`, { headers: { Authorization: `Bearer ${head!.token}` } });
    expect(res.status).toBe(200);
    const split = new LineSplitter();
    const lines = [...split.push(((await res.json()) as { logs: string }).logs), ...split.end()];
    return lines.map(parseFrame).flatMap((f) => (f.kind === 'ray' && f.text.trim() !== '' ? [f.text] : []));
  }
});
