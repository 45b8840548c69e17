// The byte stream of a job's log on a real Ray head: prints arrive well under the WebSocket tail's
// second, \r and UTF-8 intact, every byte once to the end of the job (drain), and a follower started
// at an offset (a new connection, a new daemon) hands over only what comes after it.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedRayHead, type SharedRayHead } from '../../../../../test/helpers/sharedRayHead.js';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { waitFor } from '../../../../../test/helpers/waitFor.js';
import { rayJob, rayRequest } from './rayApi.js';
import { RayLogStream } from './rayLogStream.js';
import type { RayTarget } from './rayTarget.js';

const SCRIPT = 'import sys, time\nfor i in range(40):\n    print("sent", time.time(), flush=True)\n    sys.stdout.write("\\rbar %d caf\\u00e9" % i)\n    sys.stdout.flush()\n    time.sleep(0.05)\n';

let dir: string;
let head: SharedRayHead;
let t: RayTarget;

beforeAll(async () => {
  dir = makeTempDir('ray-log-stream');
  head = await sharedRayHead(dir); // the engine suite's (a file run alone starts its own)
  t = { name: 'ray', address: head.address, python: head.python, authorization: `Bearer ${head.token}`, envVars: {}, cpus: 1, gpus: 0 };
}, 180_000);

afterAll(async () => {
  await head?.release();
  removeTempDir(dir);
}, 60_000);

describe('RayLogStream', () => {
  it('follows a job log byte for byte, each print within a fraction of a second, and resumes at an offset', async () => {
    const id = `runlane-stream-${Date.now()}`;
    const entrypoint = `${head.python} -c '${SCRIPT.replace(/'/g, "'\\''")}'`;
    await rayRequest(t, 'POST', '/api/jobs/', 'submit the job', { entrypoint, submission_id: id, runtime_env: {} });
    let text = '';
    const latencies: number[] = [];
    const stream = new RayLogStream(t, id, (chunk) => {
      const now = Date.now() / 1000;
      for (const m of chunk.matchAll(/sent ([0-9.]+)/g)) latencies.push((now - Number(m[1])) * 1000);
      text += chunk;
    });
    await waitFor(async () => await stream.open(() => {}), 60_000, 100);
    await waitFor(async () => ['SUCCEEDED', 'FAILED'].includes((await rayJob(t, id))?.status ?? ''), 60_000, 200);
    await stream.drain();
    const file = readFileSync(path.join(head.tempDir, 'session_latest', 'logs', `job-driver-${id}.log`));
    expect(text).toBe(file.toString('utf8')); // every byte, once, \r and é as written
    expect(text).toContain('\rbar 39 caf\u00e9');
    const sorted = latencies.sort((a, b) => a - b);
    expect(sorted.length).toBeGreaterThan(20); // most lines came live, not with the drain
    expect(sorted[Math.floor(sorted.length * 0.95)]).toBeLessThan(600); // the WebSocket tail: about 1000 ms
    // A follower that had taken the first half (a new connection, a restarted daemon) gets the rest only.
    const half = file.indexOf(10, Math.floor(file.length / 2)) + 1; // at a line end: no character cut
    let rest = '';
    const again = new RayLogStream(t, id, (chunk) => (rest += chunk), half);
    await again.drain();
    expect(Buffer.from(rest)).toEqual(file.subarray(half));
  }, 180_000);
});
