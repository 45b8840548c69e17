// A TensorBoard run turns finished when its event files go quiet: no file event says so, so the
// index compares statuses on every poll and publishes the change.
import { appendFileSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { StoreEvent } from '@runlane/protocol';
import { RUNNING_WINDOW_S } from '../formats/tfevents/index.js';
import { LogdirIndex } from './logdirIndex.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures/tfevents');
let tmp: string;
let index: LogdirIndex | undefined;

afterEach(async () => {
  await index?.close();
  removeTempDir(tmp);
});

it('where open files cannot be seen: publishes running -> finished when a run has been quiet past the running window', async () => {
  tmp = makeTempDir('logdir');
  cpSync(path.join(fixtures, 'pytorch', 'add_scalars'), tmp, { recursive: true }); // fresh copies: running
  let now = Date.now() / 1000;
  const events: StoreEvent[] = [];
  index = await LogdirIndex.open(tmp, (e) => events.push(e), () => now, { openFiles: null });
  expect(index.summaries().map((r) => r.status)).toEqual(['running', 'running', 'running']);
  now += RUNNING_WINDOW_S + 1;
  await expect.poll(() => events.filter((e) => e.type === 'run-updated').length, { timeout: 5000 }).toBe(3);
  for (const e of events) expect(e).toMatchObject({ type: 'run-updated', previous_status: 'running', run: { status: 'finished' } });
  expect(index.summaries().every((r) => r.status === 'finished')).toBe(true);
});

it('an add_hparams folder seen as a run while being written joins its run: run-deleted, then its run updated with params', async () => {
  tmp = makeTempDir('logdir');
  const source = path.join(fixtures, 'hparams', 'trained');
  const session = readdirSync(source).find((n) => !n.includes('tfevents'))!;
  cpSync(source, path.join(tmp, 'trained'), { recursive: true, filter: (src) => !src.includes(session) });
  const events: StoreEvent[] = [];
  index = await LogdirIndex.open(tmp, (e) => events.push(e));
  expect(index.summaries().map((r) => [r.id, r.params])).toEqual([['trained', {}]]);
  // The writer's first record (the file version) lands before the hparams: for a moment, a run of its own.
  const file = readdirSync(path.join(source, session))[0]!;
  const bytes = readFileSync(path.join(source, session, file));
  const firstRecord = 16 + bytes.readUInt32LE(0);
  mkdirSync(path.join(tmp, 'trained', session));
  writeFileSync(path.join(tmp, 'trained', session, file), bytes.subarray(0, firstRecord));
  await expect.poll(() => events.some((e) => e.type === 'run-created' && e.run.id === `trained/${session}`), { timeout: 5000 }).toBe(true);
  appendFileSync(path.join(tmp, 'trained', session, file), bytes.subarray(firstRecord));
  await expect.poll(() => events.some((e) => e.type === 'run-deleted' && e.run_id === `trained/${session}`), { timeout: 5000 }).toBe(true);
  const updated = events.find((e) => e.type === 'run-updated' && e.run.id === 'trained');
  expect(updated).toMatchObject({ run: { params: { lr: 0.01, batch_size: 32, optimizer: 'adam', augment: true } } });
  expect(events.filter((e) => e.type === 'metrics').map((e) => e.type === 'metrics' && [e.run_id, e.key])).toEqual([
    ['trained', 'hparam/accuracy'],
    ['trained', 'hparam/loss'],
  ]);
  expect(index.summaries().map((r) => r.id)).toEqual(['trained']);
});

// A real writer in another process: it holds the event file open while it trains (quiet for longer
// than the window, as PyTorch's SummaryWriter is between its 120 s flushes), then closes it and
// lives on, as a notebook kernel does after writer.close().
it.runIf(process.platform === 'linux')('a run is running while a process holds its event file open, and finished within seconds of its close', async () => {
  tmp = makeTempDir('logdir');
  const source = path.join(fixtures, 'pytorch', 'default');
  const name = readdirSync(source)[0]!;
  mkdirSync(path.join(tmp, 'run'));
  const file = path.join(tmp, 'run', name);
  const writer = spawn(process.execPath, ['-e', `
    const fs = require('node:fs');
    const fd = fs.openSync(${JSON.stringify(file)}, 'a');
    fs.writeSync(fd, fs.readFileSync(${JSON.stringify(path.join(source, name))}));
    console.log('open');
    process.stdin.once('data', () => { fs.closeSync(fd); console.log('closed'); process.stdin.once('data', () => process.exit(0)); });
  `], { stdio: ['pipe', 'pipe', 'inherit'] });
  const said = (word: string) => new Promise<void>((resolve) => writer.stdout.on('data', (d: Buffer) => d.toString().includes(word) && resolve()));
  try {
    await said('open');
    let now = Date.now() / 1000 + RUNNING_WINDOW_S + 1; // long quiet: only the open file says running
    const events: StoreEvent[] = [];
    index = await LogdirIndex.open(tmp, (e) => events.push(e), () => now);
    expect(index.summaries().map((r) => [r.id, r.status])).toEqual([['run', 'running']]);
    await new Promise((r) => setTimeout(r, 1500)); // a poll or more: still open, still running
    expect(index.summaries()[0]!.status).toBe('running');
    now = Date.now() / 1000; // from here on the file is fresh: the window alone would say running for 120 s
    const closing = Date.now();
    writer.stdin.write('close\n');
    await said('closed');
    await expect.poll(() => events.find((e) => e.type === 'run-updated'), { timeout: 5000, interval: 100 }).toMatchObject({ previous_status: 'running', run: { status: 'finished' } });
    expect(Date.now() - closing).toBeLessThan(3000);
    expect(writer.exitCode).toBeNull(); // the writer's process is alive: its closed file is what counts
  } finally {
    writer.kill();
  }
});

// PyTorch's SummaryWriter (without TensorFlow) opens its file only to append each flush, and names
// it after its process: events.out.tfevents.<time>.<host>.<pid>.<n>. The run ends with the process.
it.runIf(process.platform === 'linux')('a PyTorch-style writer’s run is finished within seconds of its process ending', async () => {
  tmp = makeTempDir('logdir');
  const source = path.join(fixtures, 'pytorch', 'default');
  const bytes = path.join(source, readdirSync(source)[0]!);
  mkdirSync(path.join(tmp, 'run'));
  const writer = spawn(process.execPath, ['-e', `
    const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
    const file = path.join(${JSON.stringify(path.join(tmp, 'run'))}, 'events.out.tfevents.' + Math.floor(Date.now() / 1000) + '.' + os.hostname() + '.' + process.pid + '.0');
    const records = fs.readFileSync(${JSON.stringify(bytes)});
    const first = 16 + records.readUInt32LE(0);
    fs.appendFileSync(file, records.subarray(0, first));
    console.log('flushed');
    // close(): the last flush, then the process ends.
    process.stdin.once('data', () => { fs.appendFileSync(file, records.subarray(first)); process.exit(0); });
  `], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve) => writer.stdout.on('data', (d: Buffer) => d.toString().includes('flushed') && resolve()));
    const events: StoreEvent[] = [];
    index = await LogdirIndex.open(tmp, (e) => events.push(e));
    await new Promise((r) => setTimeout(r, 1500)); // a poll or more: the file is closed, its writer alive
    expect(index.summaries().map((r) => [r.id, r.status])).toEqual([['run', 'running']]);
    const ending = Date.now();
    writer.stdin.write('exit\n');
    await expect.poll(() => events.find((e) => e.type === 'run-updated'), { timeout: 5000, interval: 100 }).toMatchObject({ previous_status: 'running', run: { status: 'finished' } });
    expect(Date.now() - ending).toBeLessThan(3000); // the window alone would say running for 120 s
  } finally {
    writer.kill();
  }
});
