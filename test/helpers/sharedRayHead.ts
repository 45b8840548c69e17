// A Ray head for a test file: the engine suite's shared one when the run has it (its globalSetup,
// test/suites/engineBroker.ts, starts it on the first request and stops it at the run's end), or a
// head of the file's own otherwise (a file run alone: `npx vitest run path/to/ray.test.ts`). Either
// way the head is the one SHARED_RAY_HEAD describes, so a test sees the same cluster in both.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { inject } from 'vitest';
import { headPids, startRayHead } from './rayHead.js';
import { SHARED_RAY_HEAD, type SharedRayHeadInfo } from './sharedRayHeadSpec.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine broker's address (http://127.0.0.1:PORT); absent where its globalSetup did not run. */
    engineBroker?: string;
  }
}

export interface SharedRayHead extends SharedRayHeadInfo {
  /** Every process of the head now (its workers and jobs included). */
  nodePids(): number[];
  /** Stops the head if it is this file's own; the shared one is the run's to stop. */
  release(): Promise<void>;
}

/** The head for a test file; `dir` (the file's temp folder) holds an own head's files. */
export async function sharedRayHead(dir: string): Promise<SharedRayHead> {
  const broker = inject('engineBroker');
  if (broker === undefined) {
    const own = path.join(dir, 'ray-head');
    mkdirSync(own, { recursive: true }); // its log goes there (a long path's Ray temp folder goes elsewhere)
    const head = await startRayHead({ dir: own, ...SHARED_RAY_HEAD });
    const info = { address: head.address, gcsAddress: head.gcsAddress, python: head.python, tempDir: head.tempDir, leader: head.leader, token: SHARED_RAY_HEAD.authToken };
    return { ...info, nodePids: () => head.nodePids(), release: () => head.stop() };
  }
  const res = await fetch(`${broker}/ray-head`);
  const text = await res.text();
  if (!res.ok) throw new Error(`the shared Ray head did not come up: ${text}`);
  const info = JSON.parse(text) as SharedRayHeadInfo;
  return { ...info, nodePids: () => headPids(info.leader, info.tempDir), release: async () => {} };
}
