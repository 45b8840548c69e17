import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { LiveRun } from './liveRun.js';
import { encodeRecord, METRIC_HEADER } from './metricCodec.js';
import { StoreError } from './names.js';
import { StoreReader } from './storeReader.js';
import { StoreWriter } from './storeWriter.js';

let dir: string;
beforeEach(() => {
  dir = makeTempDir('store');
});
afterEach(() => removeTempDir(dir));

async function newRun(writer: StoreWriter, name = 'run'): Promise<string> {
  const id = await writer.createRun({ name, experiment: 'exp', kind: 'script', source: 'x = 1\n' });
  writer.appendEvent(id, { type: 'status', status: 'running' });
  return id;
}

describe('StoreWriter + StoreReader', () => {
  it('round-trips a run: meta, source, params, tags, metrics with NaN/Inf, logs', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await newRun(writer, 'first');
    writer.appendEvent(id, { type: 'params', params: { lr: 0.1, weird: NaN, layers: [64, 64] } });
    writer.appendEvent(id, { type: 'tags', tags: { baseline: '' } });
    writer.logMetrics(id, 'train/loss', [
      { step: 0, value: 1, time: 10 },
      { step: 1, value: NaN, time: 11 },
      { step: 2, value: -Infinity, time: 12 },
    ]);
    writer.appendLog(id, 'stdout', Buffer.from([0x68, 0x69, 0xff, 0x0a]));
    writer.appendEvent(id, { type: 'status', status: 'finished' });

    const reader = await StoreReader.open(dir);
    const detail = await reader.readRunDetail(id);
    expect(detail).toMatchObject({
      id,
      name: 'first',
      experiment: 'exp',
      status: 'finished',
      params: { lr: 0.1, weird: { $float: 'NaN' }, layers: [64, 64] },
      tags: { baseline: '' },
      metrics: { 'train/loss': { count: 3, last: '-Infinity', min: '-Infinity', max: 1 } },
      source: 'x = 1\n',
    });
    expect(detail.meta.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.logs).toEqual([{ writer: writer.writerId, stream: 'stdout', size: 4 }]);
    expect((await reader.readSeries(id, 'train/loss')).values).toEqual([1, 'NaN', '-Infinity']);
    expect((await reader.readLog(id, writer.writerId, 'stdout', 2)).bytes).toEqual(Buffer.from([0xff, 0x0a]));
  });

  it('loses nothing when two writers log to the same run at once', async () => {
    const a = await StoreWriter.open(dir);
    const b = await StoreWriter.open(dir);
    const id = await newRun(a);
    for (let i = 0; i < 500; i++) {
      a.logMetric(id, 'loss', i, i, 100 + i);
      b.logMetric(id, 'loss', i, -i, 100 + i + 0.5);
    }
    const series = await (await StoreReader.open(dir)).readSeries(id, 'loss');
    expect(series.total).toBe(1000);
    expect(series.steps.slice(0, 4)).toEqual([0, 0, 1, 1]);
    expect(series.values.slice(0, 4)).toEqual([0, -0, 1, -1]);
  });

  it('refuses hostile names and writes nothing', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await newRun(writer);
    const before = readdirSync(path.join(dir, 'runs', id), { recursive: true }).sort();
    for (const key of ['../escape', 'a/../../b', '/abs', 'nul\0byte', 'x'.repeat(10_000)]) {
      expect(() => writer.logMetric(id, key, 0, 1)).toThrow(StoreError);
    }
    expect(() => writer.appendLog(id, '../stdout', 'x')).toThrow(/Invalid log stream name/);
    expect(() => writer.appendLog('../../etc', 'stdout', 'x')).toThrow(/Invalid run id/);
    await expect(writer.createRun({ name: 'n', experiment: '../up', kind: 'cell' })).rejects.toThrow(/Invalid experiment name/);
    await expect(writer.createRun({ name: 'n', experiment: 'e', kind: 'cell', id: 'a/b' })).rejects.toThrow(/Invalid run id/);
    expect(readdirSync(path.join(dir, 'runs', id), { recursive: true }).sort()).toEqual(before);
    expect(readdirSync(path.join(dir, 'runs'))).toEqual([id]);
  });

  it('reports unknown runs and keys as not found with a next step', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await newRun(writer);
    const reader = await StoreReader.open(dir);
    await expect(reader.readRun('20990101-000000-000000')).rejects.toThrow(/No run .* Run `runlane ls`/);
    await expect(reader.readSeries(id, 'nope')).rejects.toThrow(/has no metric "nope"/);
  });

  it('derives crashed for a running run whose local writer process is gone', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await newRun(writer);
    const child = spawn(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const pid = Number(await new Promise<string>((resolve) => child.stdout.on('data', (d) => resolve(String(d)))));
    await new Promise((resolve) => child.on('exit', resolve));
    const events = path.join(dir, 'runs', id, 'events', `${pid}-deadbeef.jsonl`);
    writeFileSync(events, `${JSON.stringify({ t: Date.now() / 1000 + 1, type: 'hello', host: os.hostname(), pid })}\n`);
    appendFileSync(events, `${JSON.stringify({ t: Date.now() / 1000 + 2, type: 'status', status: 'running' })}\n`);
    const reader = await StoreReader.open(dir);
    expect((await reader.readRun(id)).status).toBe('crashed');
    writer.appendEvent(id, { type: 'status', status: 'finished' }, Date.now() / 1000 + 3);
    expect((await reader.readRun(id)).status).toBe('finished');
  });
});

describe('LiveRun', () => {
  it('a run taken from the index keeps its summary while its files are first read', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await newRun(writer, 'indexed');
    writer.logMetric(id, 'loss', 0, 1, 1);
    writer.appendEvent(id, { type: 'status', status: 'finished' });
    const read = new LiveRun(dir, id, () => {});
    await read.refresh();
    const indexed = LiveRun.fromSummary(dir, id, read.summary()!, () => {});
    // The details panel asks for the run (its files are read) while the charts panel lists the runs.
    const reading = indexed.refresh();
    expect(indexed.summary()?.name).toBe('indexed');
    await reading;
    expect(indexed.seeded).toBe(false);
    expect(indexed.summary()).toEqual(read.summary());
  });

  it('reads only what was appended, waiting for torn records and lines to complete', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await newRun(writer);
    writer.logMetric(id, 'loss', 0, 1, 1);
    const live = new LiveRun(dir, id, () => {});
    const first = await live.refresh();
    expect(first.created).toBe(true);
    expect(first.metrics).toEqual([]); // the first refresh reads the past, it reports nothing new

    const file = path.join(dir, 'runs', id, 'metrics', writer.writerId, 'loss.rlm');
    const record = encodeRecord(1, 2, 0.5);
    appendFileSync(file, record.subarray(0, 10)); // torn: the writer is mid-write
    expect((await live.refresh(file)).metrics).toEqual([]);
    appendFileSync(file, Buffer.concat([record.subarray(10), encodeRecord(2, 3, 0.25)]));
    expect((await live.refresh(file)).metrics).toEqual([{ key: 'loss', rank: null, steps: [1, 2], times: [2, 3], values: [0.5, 0.25] }]);
    expect(live.summary()!.metrics.loss).toEqual({ count: 3, last: 0.25, min: 0.25, max: 1 });

    const events = path.join(dir, 'runs', id, 'events', `${writer.writerId}.jsonl`);
    const t = Date.now() / 1000 + 10;
    appendFileSync(events, `{"t": ${t}, "type": "status", "status": "fin`);
    expect((await live.refresh(events)).statusChanged).toBe(false);
    appendFileSync(events, 'ished"}\n');
    const done = await live.refresh(events);
    expect(done.statusChanged).toBe(true);
    expect(live.summary()!.status).toBe('finished');
  });

  it('reports new log bytes by offset and new metric files from new writers', async () => {
    const writer = await StoreWriter.open(dir);
    const id = await newRun(writer);
    writer.appendLog(id, 'stdout', 'hello\n');
    const live = new LiveRun(dir, id, () => {});
    await live.refresh();
    writer.appendLog(id, 'stdout', 'world\n');
    const logFile = path.join(dir, 'runs', id, 'logs', writer.writerId, 'stdout.log');
    expect((await live.refresh(logFile)).logs).toEqual([{ writer: writer.writerId, stream: 'stdout', offset: 6, length: 6 }]);

    const other = path.join(dir, 'runs', id, 'metrics', '77-0000ffff', 'acc.rlm');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(other), { recursive: true });
    writeFileSync(other, Buffer.concat([METRIC_HEADER, encodeRecord(5, 5, 0.9)]));
    expect((await live.refresh(other)).metrics).toEqual([{ key: 'acc', rank: null, steps: [5], times: [5], values: [0.9] }]);
  });

  it('sees a run as created only once meta.json exists', async () => {
    const live = new LiveRun(dir, '20260101-000000-abcdef', () => {});
    expect((await live.refresh()).created).toBe(false);
    expect(live.summary()).toBeNull();
    const writer = await StoreWriter.open(dir);
    await writer.createRun({ id: '20260101-000000-abcdef', name: 'late', experiment: 'e', kind: 'cell' });
    const update = await live.refresh(path.join(dir, 'runs', '20260101-000000-abcdef', 'meta.json'));
    expect(update.created).toBe(true);
    expect(live.summary()!.name).toBe('late');
  });
});
