// The engine suite's globalSetup (suiteConfig.ts): one Ray head for the Ray test files that need no
// fresh one (shared/core/src/jobs/ray.test.ts, shared/core/src/jobs/ray/rayLogStream.test.ts,
// through test/helpers/sharedRayHead.ts), where each started its own: a head takes 7-40 s to start
// and seconds to stop. It is started on the first file's request (a run of other files starts
// none), here in the runner's main process, and stopped by its own pids when the run ends, failed
// tests and all. Files ask over loopback HTTP: test workers are processes of their own, and
// vitest's provide() carries only values known before they start. test/helpers/rayHead.test.ts keeps
// heads of its own (it stops one and checks that the other is untouched).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestProject } from 'vitest/node';
import { startRayHead, type RayHead } from '../helpers/rayHead.js';
import { SHARED_RAY_HEAD, type SharedRayHeadInfo } from '../helpers/sharedRayHeadSpec.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let dir: string | undefined;
  let head: Promise<RayHead> | undefined;
  const server = http.createServer((req, res) => {
    if (req.url !== '/ray-head') {
      res.writeHead(404).end(`no such engine: ${req.url}`);
      return;
    }
    head ??= (async () => {
      dir = makeTempDir('shared-ray');
      return startRayHead({ dir, ...SHARED_RAY_HEAD });
    })();
    head.then(
      (h) => {
        const info: SharedRayHeadInfo = { address: h.address, gcsAddress: h.gcsAddress, python: h.python, tempDir: h.tempDir, leader: h.leader, token: SHARED_RAY_HEAD.authToken };
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(info));
      },
      (e: unknown) => res.writeHead(500).end(e instanceof Error ? e.message : String(e)),
    );
  });
  // A head's start takes up to 2 minutes on a busy machine: the request waits for it.
  server.requestTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('engineBroker', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return async () => {
    server.close();
    try {
      await (await head)?.stop();
    } catch {
      // it never came up: startRayHead stopped what it had started
    }
    if (dir) removeTempDir(dir);
  };
}
