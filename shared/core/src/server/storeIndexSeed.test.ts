// The daemon opened on a store with a run index (runIndex.ts): it lists what a full scan lists, shows
// the details of a run it took from the index, and follows changes that other processes make to
// runs it never read (rename, tag, delete, points appended to a finished run).
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '@runlane/protocol';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startTestDaemon, type TestDaemon } from '../../../../test/helpers/daemon.js';
import { ageFolder } from '../../../../test/helpers/bigStore.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { readIndex, StoreReader, StoreWriter } from '../store/index.js';

const distIndex = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js');

let tmp: string;
let store: string;
let test: TestDaemon | null = null;
beforeEach(() => {
  tmp = makeTempDir('store-index-seed');
  store = path.join(tmp, 'store');
});
afterEach(async () => {
  await test?.close();
  test = null;
  removeTempDir(tmp);
});

/** Another process writing to the store with the built store code, as a Python writer would. */
function otherProcess(script: string, id: string): Promise<void> {
  const code = `const { StoreWriter } = await import(${JSON.stringify(distIndex)}); const [dir, id] = process.argv.slice(1);\n${script}`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code, store, id], { timeout: 30_000 }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
  });
}

function byId(runs: RunSummary[]): RunSummary[] {
  return [...runs].sort((a, b) => (a.id < b.id ? -1 : 1));
}

it('a daemon seeded from the index serves the same runs and details, and follows other processes\' edits live', async () => {
  const writer = await StoreWriter.open(store);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = await writer.createRun({ name: `run ${i}`, experiment: 'exp', kind: 'script', source: `x = ${i}\n` });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    writer.logMetrics(id, 'loss', [0, 1, 2].map((s) => ({ step: s, value: 1 / (s + 1), time: 100 + s })));
    writer.appendLog(id, 'stdout', `hello ${i}\n`);
    writer.appendEvent(id, { type: 'status', status: 'finished' });
    ids.push(id);
  }
  ageFolder(store);
  const truth = await (await StoreReader.open(store, () => {})).listRuns();
  expect(readIndex(store)?.size).toBe(5);

  test = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'runtime') });
  const { client } = test;
  expect(byId(await client.runs())).toEqual(byId(truth));
  const [detailed, renamed, tagged, deleted, appended] = ids as [string, string, string, string, string];
  const detail = await client.run(detailed);
  expect(detail).toMatchObject({ id: detailed, source: 'x = 0\n', logs: [{ stream: 'stdout', size: 8 }] });

  await otherProcess(`const w = await StoreWriter.open(dir); w.appendEvent(id, { type: 'name', name: 'renamed elsewhere' });`, renamed);
  await otherProcess(`const w = await StoreWriter.open(dir); w.appendEvent(id, { type: 'tags', tags: { seen: 'live' } });`, tagged);
  await otherProcess(`const { rmSync } = await import('node:fs'); rmSync(dir + '/runs/' + id, { recursive: true });`, deleted);
  // A writer that logs to a closed run marks it running first, as the helper does (rl.run(id=...)):
  // the daemon follows running runs file by file (the index's test covers a bare append).
  await otherProcess(`const w = await StoreWriter.open(dir); w.appendEvent(id, { type: 'status', status: 'running' });
    await new Promise((r) => setTimeout(r, 500)); w.logMetrics(id, 'loss', [{ step: 9, value: 0.01, time: 200 }]);
    await new Promise((r) => setTimeout(r, 500)); w.appendEvent(id, { type: 'status', status: 'finished' });`, appended);
  await expect.poll(async () => {
    const runs = new Map((await client.runs()).map((r) => [r.id, r]));
    return {
      renamed: runs.get(renamed)?.name,
      tagged: runs.get(tagged)?.tags,
      deleted: runs.has(deleted),
      appended: runs.get(appended)?.metrics.loss,
      status: runs.get(appended)?.status,
    };
  }, { timeout: 15_000, interval: 200 }).toEqual({
    renamed: 'renamed elsewhere',
    tagged: { seen: 'live' },
    deleted: false,
    appended: { count: 4, last: 0.01, min: 0.01, max: 1 },
    status: 'finished',
  });
});
