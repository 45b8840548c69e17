// The engine suite's shared Ray head (test/suites/engineBroker.ts starts it, test/helpers/sharedRayHead.ts
// hands it to test files): apart from both, so that the broker, in the runner's main process, imports
// nothing of vitest's test API.
import type { RayHeadOptions } from './rayHead.js';

/** The shared head: token auth, 6 CPUs and 2 logical GPUs, and no spare workers started at the first
 * job (on a 2-core machine they cost seconds of CPU that the tests' own workers wait for). */
export const SHARED_RAY_HEAD = {
  numCpus: 6,
  numGpus: 2,
  authToken: 'runlane-test-token-4d1f',
  env: { RAY_prestart_worker_first_driver: '0', RAY_enable_worker_prestart: '0' },
} satisfies Omit<RayHeadOptions, 'dir'>;

/** What the broker sends: plain data (the head's processes are the runner's children). */
export interface SharedRayHeadInfo {
  address: string;
  gcsAddress: string;
  python: string;
  tempDir: string;
  leader: number;
  token: string;
}
