// A TensorBoard run turns finished when its event files go quiet: no file event says so, so the
// index compares statuses on every poll and publishes the change.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { RUNNING_WINDOW_S } from '../formats/tfevents/index.js';
import { LogdirIndex } from './logdirIndex.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/tfevents');
let tmp: string;
let index: LogdirIndex | undefined;

afterEach(async () => {
  await index?.close();
  rmSync(tmp, { recursive: true, force: true });
});

it('publishes running -> finished when a run has been quiet past the running window', async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-logdir-'));
  cpSync(path.join(fixtures, 'pytorch', 'add_scalars'), tmp, { recursive: true }); // fresh copies: running
  let now = Date.now() / 1000;
  const events: StoreEvent[] = [];
  index = await LogdirIndex.open(tmp, (e) => events.push(e), () => now);
  expect(index.summaries().map((r) => r.status)).toEqual(['running', 'running', 'running']);
  now += RUNNING_WINDOW_S + 1;
  await expect.poll(() => events.filter((e) => e.type === 'run-updated').length, { timeout: 5000 }).toBe(3);
  for (const e of events) expect(e).toMatchObject({ type: 'run-updated', previous_status: 'running', run: { status: 'finished' } });
  expect(index.summaries().every((r) => r.status === 'finished')).toBe(true);
});
