// The persistent run index (runIndex.ts): it gives the same runs as a full scan of the run folders,
// is rebuilt when missing or corrupt, is really used (an unchanged run's files are not read), and
// sees what other processes changed since it was written.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '@runlane/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ageFolder } from '../../../../test/helpers/bigStore.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { LiveRun } from './liveRun.js';
import { INDEX_VERSION, indexFile, readIndex } from './runIndex.js';
import { dirsPrint } from './runScan.js';
import { checkDirsInWorkers } from './statPool.js';
import { scanBatch, scanInWorkers } from './scanPool.js';
import { StoreReader } from './storeReader.js';
import { StoreWriter } from './storeWriter.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../../../test/fixtures');
const distIndex = path.resolve(here, '../../dist/index.js');

let dir: string;
beforeEach(() => {
  dir = makeTempDir('run-index');
});
afterEach(() => removeTempDir(dir));

/** What the store says without any index: every run folder read from scratch. */
async function fullScan(store: string): Promise<RunSummary[]> {
  const reader = await StoreReader.open(store, () => {});
  const runs: RunSummary[] = [];
  for (const id of await reader.listRunIds()) {
    const run = new LiveRun(reader.dir, id, () => {});
    await run.refresh();
    const summary = run.summary();
    if (summary) runs.push(summary);
  }
  return runs;
}

async function listed(store: string): Promise<RunSummary[]> {
  return (await StoreReader.open(store, () => {})).listRuns({ sort: 'created_at', order: 'asc' });
}

/** Sets every mtime in the store a minute back: runs changed in the last seconds are not indexed
 * yet (their mtimes could still hide a change), and tests write their runs just before listing. */
function byId(runs: RunSummary[]): RunSummary[] {
  return [...runs].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** A store with what summaries hold: statuses (one still running, in this process), renames, tags,
 * params with a NaN, metrics of two ranks, a failed run with its error. */
async function makeStore(store: string, count = 12): Promise<string[]> {
  const writer = await StoreWriter.open(store);
  const worker = await StoreWriter.open(store, { rank: 1 });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await writer.createRun({ name: `run ${i}`, experiment: `exp-${i % 3}`, kind: 'script', source: 'x = 1\n' });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    writer.appendEvent(id, { type: 'params', params: { lr: 0.1 * i, odd: NaN, layers: [64, i] } });
    if (i % 4 === 1) writer.appendEvent(id, { type: 'tags', tags: { best: 'yes' } });
    if (i % 5 === 2) writer.appendEvent(id, { type: 'name', name: `renamed ${i}` });
    writer.logMetrics(id, 'train/loss', [0, 1, 2].map((s) => ({ step: s, value: s === 1 && i === 3 ? NaN : 1 / (s + 1 + i), time: 100 + s })));
    if (i % 3 === 0) worker.logMetrics(id, 'train/loss', [{ step: 0, value: 9, time: 100 }]);
    if (i !== count - 1) writer.appendEvent(id, i % 6 === 5 ? { type: 'status', status: 'failed', error: 'Traceback: boom' } : { type: 'status', status: 'finished' });
    ids.push(id);
  }
  return ids;
}

/** Runs a script in another Node process against the built store code (dist/), as another writer. */
function otherProcess(script: string, ...args: string[]): Promise<void> {
  const code = `const { StoreWriter } = await import(${JSON.stringify(distIndex)}); const [dir, id] = process.argv.slice(1);\n${script}`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', code, ...args], { timeout: 30_000 }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
  });
}

describe('the run index agrees with a full scan', () => {
  for (const name of readdirSync(fixtures).filter((n) => n.startsWith('store-') && !n.includes('.') && n !== 'store-v99')) {
    it(`on the fixture ${name}: the first open (writes the index) and the next (reads it)`, async () => {
      const store = path.join(dir, name);
      cpSync(path.join(fixtures, name), store, { recursive: true });
      ageFolder(store);
      const truth = await fullScan(store);
      expect(truth.length).toBeGreaterThan(0);
      expect(byId(await listed(store))).toEqual(byId(truth));
      expect(readIndex(store)?.size).toBeGreaterThan(0);
      expect(byId(await listed(store))).toEqual(byId(truth));
    });
  }

  it('on a generated store, where only settled runs are indexed (a running run is read each time)', async () => {
    const ids = await makeStore(dir);
    ageFolder(dir);
    const truth = await fullScan(dir);
    expect(truth.map((r) => r.status)).toContain('running');
    expect(byId(await listed(dir))).toEqual(byId(truth));
    const index = readIndex(dir)!;
    expect([...index.keys()].sort()).toEqual(ids.slice(0, -1).sort());
    expect(byId(await listed(dir))).toEqual(byId(truth));
  });
});

describe('a missing, stale or corrupt index is rebuilt with the same answer', () => {
  const damage: [string, (file: string) => void][] = [
    ['deleted', (file) => rmSync(path.dirname(file), { recursive: true })],
    ['cut in the middle', (file) => writeFileSync(file, readFileSync(file).subarray(0, 200))],
    ['not JSON', (file) => writeFileSync(file, '\0\0garbage')],
    ['of another version', (file) => writeFileSync(file, readFileSync(file, 'utf8').replace(`"version":${INDEX_VERSION}`, '"version":999'))],
    ['holding wrong summaries under stale checks', (file) => {
      const [header, ...lines] = readFileSync(file, 'utf8').split('\n');
      const spoiled = lines.map((line) => {
        if (!line) return line;
        const [id, , writers, summary] = line.split('\t') as [string, string, string, string];
        return [id, 'stale', writers, JSON.stringify(['WRONG', ...(JSON.parse(summary) as unknown[]).slice(1)])].join('\t');
      });
      writeFileSync(file, [header, ...spoiled].join('\n'));
    }],
    ['with lines cut, or not JSON', (file) => {
      const [header, ...lines] = readFileSync(file, 'utf8').split('\n');
      writeFileSync(file, [header, ...lines.map((line, i) => (i % 3 === 0 ? line.slice(0, 40) : i % 3 === 1 ? line.replace('{', '{{') : line))].join('\n'));
    }],
  ];
  for (const [what, spoil] of damage) {
    it(`an index ${what}`, async () => {
      await makeStore(dir);
      ageFolder(dir);
      const truth = await fullScan(dir);
      await listed(dir);
      spoil(indexFile(dir));
      expect(byId(await listed(dir))).toEqual(byId(truth));
      expect(readIndex(dir)?.size).toBe(truth.filter((r) => r.status !== 'running').length);
      expect(byId(await listed(dir))).toEqual(byId(truth));
    });
  }
});

describe('the index is used, and never trusted past a change', () => {
  it('an unchanged settled run is taken from the index without reading its files', async () => {
    const [id] = await makeStore(dir, 2);
    ageFolder(dir);
    const metrics = path.join(dir, 'runs', id!, 'metrics');
    const file = path.join(metrics, readdirSync(metrics)[0]!, 'train%2Floss.rlm');
    utimesSync(file, 1_700_000_000, 1_700_000_000); // whole seconds, so that it can be set back exactly
    const before = (await listed(dir)).find((r) => r.id === id)!;
    // Zero the metric file's records, keeping its size and mtime: only a read of the file could tell.
    const size = statSync(file).size;
    writeFileSync(file, Buffer.concat([readFileSync(file).subarray(0, 8), Buffer.alloc(size - 8)]));
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect((await listed(dir)).find((r) => r.id === id)).toEqual(before);
    // ...and a changed mtime is a change: the run is read again.
    utimesSync(file, 1_700_000_000, 1_700_000_005);
    expect((await listed(dir)).find((r) => r.id === id)!.metrics['train/loss']!.last).toBe(0);
  });

  it('renames, tags, deletes and appended points by another process show on the next open', async () => {
    const ids = await makeStore(dir, 4);
    ageFolder(dir);
    await listed(dir);
    expect(readIndex(dir)!.size).toBe(3);
    const [renamed, tagged, deleted, appended] = ids as [string, string, string, string];
    await otherProcess(`const w = await StoreWriter.open(dir); w.appendEvent(id, { type: 'name', name: 'a new name' });`, dir, renamed);
    await otherProcess(`const w = await StoreWriter.open(dir); w.appendEvent(id, { type: 'tags', tags: { keep: 'this' } });`, dir, tagged);
    await otherProcess(`const { rmSync } = await import('node:fs'); rmSync(dir + '/runs/' + id, { recursive: true });`, dir, deleted);
    await otherProcess(`const w = await StoreWriter.open(dir); w.logMetrics(id, 'train/loss', [{ step: 7, value: 0.5, time: 200 }]);`, dir, appended);
    const runs = new Map((await listed(dir)).map((r) => [r.id, r]));
    expect(runs.get(renamed)!.name).toBe('a new name');
    expect(runs.get(tagged)!.tags).toEqual({ best: 'yes', keep: 'this' });
    expect(runs.has(deleted)).toBe(false);
    expect(runs.get(appended)!.metrics['train/loss']).toMatchObject({ count: 4, last: 0.5 });
    expect(byId([...runs.values()])).toEqual(byId(await fullScan(dir)));
    expect(readIndex(dir)!.has(deleted)).toBe(false);
  });

  it('a store whose index cannot be written is still listed, with one sentence saying why', async () => {
    await makeStore(dir, 3);
    writeFileSync(path.join(dir, '.runlane-index'), 'a file where the index folder should be');
    const warnings: string[] = [];
    const runs = await (await StoreReader.open(dir, (w) => warnings.push(w))).listRuns();
    expect(byId(runs)).toEqual(byId(await fullScan(dir)));
    expect(warnings).toEqual([expect.stringMatching(/could not save its run index .* still listed correctly/)]);
    expect(existsSync(indexFile(dir))).toBe(false);
  });
});

/** The index line of a run, split into its four fields (runIndex.ts). */
function indexLine(store: string, id: string): { dirs: string; writers: string; summary: string } | undefined {
  const line = readFileSync(indexFile(store), 'utf8').split('\n').find((l) => l.startsWith(`${id}\t`));
  if (!line) return undefined;
  const [, dirs, writers, summary] = line.split('\t') as [string, string, string, string];
  return { dirs, writers, summary };
}

/** A writer in another process that stays alive, taking commands on stdin: `append` (one more point
 * of `loss` in its own file, as a job's rank would after the run ended), `exit`. */
function liveWriter(store: string): { id: Promise<string>; send: (command: string) => Promise<void>; exited: Promise<unknown> } {
  const code = `const { StoreWriter } = await import(${JSON.stringify(distIndex)}); const w = await StoreWriter.open(process.argv[1]);
    const id = await w.createRun({ name: 'live writer', experiment: 'e', kind: 'script' });
    w.appendEvent(id, { type: 'status', status: 'running' }); w.logMetrics(id, 'loss', [{ step: 0, value: 1, time: 100 }]);
    w.appendEvent(id, { type: 'status', status: 'finished' }); process.stdout.write(id + '\\n'); let step = 1;
    for await (const line of (await import('node:readline')).createInterface({ input: process.stdin })) {
      if (line === 'append') w.logMetrics(id, 'loss', [{ step: step++, value: 0.5, time: 100 + step }]);
      if (line === 'exit') process.exit(0);
      process.stdout.write('done\\n');
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code, store], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => {}); // written to after it exited: nothing to do
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
      const line = buffered.slice(0, i);
      buffered = buffered.slice(i + 1);
      const resolve = waiting.shift();
      if (resolve) resolve(line);
      else lines.push(line);
    }
  });
  const nextLine = (): Promise<string> => (lines.length ? Promise.resolve(lines.shift()!) : new Promise((r) => waiting.push(r)));
  const exited = new Promise((r) => child.once('exit', r));
  return {
    id: nextLine(),
    send: async (command) => {
      child.stdin.write(`${command}\n`);
      if (command !== 'exit') await nextLine();
    },
    exited,
  };
}

describe('what a reopen stats: the two folders of a run, and the files of its writers still alive', () => {
  it('a run whose writer has exited costs two folder stats; a new writer\'s edit or points still show', async () => {
    await otherProcess(`const w = await StoreWriter.open(dir); const run = await w.createRun({ name: 'done', experiment: 'e', kind: 'script' });
      w.appendEvent(run, { type: 'status', status: 'running' }); w.logMetrics(run, 'loss', [{ step: 0, value: 1, time: 100 }]);
      w.appendEvent(run, { type: 'status', status: 'finished' });`, dir, 'unused');
    ageFolder(dir);
    const [run] = await listed(dir);
    expect(indexLine(dir, run!.id)?.writers).toBe('[]');
    await otherProcess(`const w = await StoreWriter.open(dir); w.appendEvent(id, { type: 'name', name: 'renamed later' });`, dir, run!.id);
    await otherProcess(`const w = await StoreWriter.open(dir); w.logMetrics(id, 'loss', [{ step: 5, value: 0.25, time: 300 }]);`, dir, run!.id);
    const [after] = await listed(dir);
    expect(after).toMatchObject({ name: 'renamed later', metrics: { loss: { count: 2, last: 0.25 } } });
    expect(byId(await listed(dir))).toEqual(byId(await fullScan(dir)));
  });

  it('a writer alive when the index was written is followed file by file (an append after the end shows), until it exits', async () => {
    const [a, b] = [liveWriter(dir), liveWriter(dir)];
    const [idA, idB] = [await a.id, await b.id];
    // One fixed age for every file: a later append changes only that file's size, nothing else.
    const when = new Date(Date.now() - 60_000);
    const count = async (id: string): Promise<number | undefined> => (await listed(dir)).find((r) => r.id === id)?.metrics.loss?.count;
    try {
      ageFolder(dir, when);
      expect(await count(idA)).toBe(1);
      expect(indexLine(dir, idA)?.writers).toContain('metrics/');
      await a.send('append');
      ageFolder(dir, when);
      expect(await count(idA)).toBe(2);
      // It appends once more and exits before the next open: what it wrote before exiting is read.
      await a.send('append');
      ageFolder(dir, when);
      await a.send('exit');
      await b.send('exit');
      await Promise.all([a.exited, b.exited]);
      const runs = new Map((await listed(dir)).map((r) => [r.id, r]));
      expect(runs.get(idA)!.metrics.loss).toMatchObject({ count: 3, last: 0.5 });
      expect(runs.get(idB)!.metrics.loss).toMatchObject({ count: 1, last: 1 });
      // Gone now, their files are stat-ed no more: only the two folders of each run.
      expect([indexLine(dir, idA)?.writers, indexLine(dir, idB)?.writers]).toEqual(['[]', '[]']);
      expect(byId(await listed(dir))).toEqual(byId(await fullScan(dir)));
    } finally {
      await a.send('exit').catch(() => {});
      await b.send('exit').catch(() => {});
    }
  }, 30_000);

  it('the folder checks made in worker threads print exactly as this thread does', async () => {
    const ids = await makeStore(dir, 3);
    const runDirs = [...ids.map((id) => path.join(dir, 'runs', id)), path.join(dir, 'runs', 'missing')];
    const prints = runDirs.map((d) => dirsPrint(d));
    utimesSync(path.join(runDirs[1]!, 'events'), 1_700_000_000, 1_700_000_000);
    expect([...(await checkDirsInWorkers(runDirs, prints))]).toEqual([1, 0, 1, 1]);
  });
});

describe('a first open reads runs in worker threads', () => {
  it('exactly as this thread reads them: summaries, checks and warnings', async () => {
    const ids = await makeStore(dir, 12);
    writeFileSync(path.join(dir, 'runs', ids[2]!, 'events', 'zz-broken.jsonl'), '{"t": 1, "type": "tags", "tags": {"x": "y"}}\nnot json\n');
    ageFolder(dir);
    const inWorkers = await scanInWorkers(dir, ids);
    expect(inWorkers).not.toBeNull();
    expect(inWorkers).toEqual(scanBatch({ storeDir: dir, ids }));
    expect(inWorkers!.flatMap((a) => a.warnings)).toEqual([expect.stringMatching(/zz-broken\.jsonl:2: a line that is not JSON was skipped/)]);
    expect(byId(inWorkers!.map((a) => a.summary!))).toEqual(byId(await fullScan(dir)));
  });
});

describe('a process killed (kill -9) while it writes the index', () => {
  it('leaves the old or the new index, never a torn one, and a store that lists as before', async () => {
    await makeStore(dir, 40);
    ageFolder(dir);
    const truth = byId(await fullScan(dir));
    await listed(dir);
    const entries = readIndex(dir)!.size;
    // The child rewrites the whole index as fast as it can (each write: temp file, fsync, rename),
    // so a kill at any moment lands in the middle of one.
    const script = `const { readIndex, writeIndex } = await import(${JSON.stringify(distIndex)}); const dir = process.argv[1];
      const entries = readIndex(dir); process.stdout.write('ready\\n'); for (;;) await writeIndex(dir, entries, () => {});`;
    let tempsLeft = 0;
    for (let round = 0; round < 6; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 150));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      tempsLeft += readdirSync(path.dirname(indexFile(dir))).filter((n) => n.includes('.tmp-')).length;
      expect(readIndex(dir)?.size).toBe(entries);
      expect(byId(await listed(dir))).toEqual(truth);
    }
    // Not a requirement, but the sign that the kills did land mid-write (a temp file not yet renamed).
    console.log(`temp files left by the ${6} kills: ${tempsLeft}`);
  }, 60_000);

  it('a first open killed while it reads the runs or writes the index: the next open lists every run and writes the whole index', async () => {
    await makeStore(dir, 40);
    ageFolder(dir);
    const truth = byId(await fullScan(dir));
    const settled = truth.filter((r) => r.status !== 'running').length;
    // The child opens the store with no index, again and again: each open reads every run folder
    // and writes the index (temp file, fsync, rename), so a kill lands in the reads or in the write.
    const script = `const { StoreReader, indexFile } = await import(${JSON.stringify(distIndex)}); const { rmSync } = await import('node:fs');
      const dir = process.argv[1]; process.stdout.write('ready\\n');
      for (;;) { rmSync(indexFile(dir), { force: true }); await (await StoreReader.open(dir, () => {})).listRuns(); }`;
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((r) => setTimeout(r, 30 + Math.random() * 200));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      const left = readIndex(dir);
      expect(left === null || left.size === settled).toBe(true); // no index, or a whole one
      expect(byId(await listed(dir))).toEqual(truth);
      expect(readIndex(dir)?.size).toBe(settled);
    }
  }, 60_000);
});
