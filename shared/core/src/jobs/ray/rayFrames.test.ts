// The Ray job log's framing, read back (ray-contract R2), and the run files it is written into,
// including a daemon that stops between writing lines and recording how far it got: the next one,
// reading the log from the top again, writes every line exactly once.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { StoreWriter } from '../../store/index.js';
import { InbandMetrics } from '../inbandMetrics.js';
import { rayFailure } from '../launchers/ray.js';
import { LineSplitter, parseFrame } from './rayFrames.js';
import { RayRunFiles, returnablePath } from './rayRunFiles.js';
import { zip } from './zip.js';

let tmp: string;
beforeEach(async () => {
  tmp = makeTempDir('ray-frames');
  await StoreWriter.open(path.join(tmp, 'store')); // a store: the in-band metrics' writer opens it
});
// The run files open the store's writers in the background: the folder goes once they have settled.
const inbands: InbandMetrics[] = [];
afterEach(async () => {
  await Promise.all(inbands.splice(0).map((m) => m.settled()));
  removeTempDir(tmp);
});

describe('Ray log frames', () => {
  it('reads worker lines, open lines, exit codes, files and notes; anything else is Ray\'s own', () => {
    expect(parseFrame('\x1eRL 1 o loss 0.5')).toEqual({ kind: 'line', rank: 1, stream: 'stdout', text: 'loss 0.5\n' });
    expect(parseFrame('\x1eRL 0 E 10%\x10rdone \x10\x10')).toEqual({ kind: 'line', rank: 0, stream: 'stderr', text: '10%\rdone \x10' });
    expect(parseFrame('\x1eRL 12 x -15')).toEqual({ kind: 'exit', rank: 12, code: -15 });
    expect(parseFrame('\x1eRL 0 a ckpt/my%20model.pt aGk=')).toEqual({ kind: 'artifact', rank: 0, path: 'artifacts/ckpt/my model.pt', chunk: Buffer.from('hi') });
    expect(parseFrame('\x1eRL 0 f job/result.json ')).toEqual({ kind: 'artifact', rank: 0, path: 'job/result.json', chunk: Buffer.alloc(0) });
    expect(parseFrame('\x1eRL - n waiting for resources: 1 worker')).toEqual({ kind: 'note', text: 'waiting for resources: 1 worker' });
    expect(parseFrame('\x1eRL - n started: 2 workers on 10.0.0.5')).toEqual({ kind: 'placed', note: 'started: 2 workers on 10.0.0.5' });
    // A prefix Ray puts before forwarded output is dropped with the rest of its noise.
    expect(parseFrame('(RankWorker pid=31) \x1eRL 1 o hi')).toMatchObject({ kind: 'line', rank: 1, text: 'hi\n' });
    for (const line of ['INFO job_manager.py:581 -- Runtime env is setting up.', '\x1eRL 01 o x', '\x1eRL x o y', '\x1eRL 0 x nine', '\x1eRL 0 a %E0%A4%A ab']) {
      expect(parseFrame(line)).toEqual({ kind: 'ray', text: line });
    }
  });

  it('splits text cut anywhere into whole lines, counting what it took', () => {
    const split = new LineSplitter();
    expect(split.push('ab')).toEqual([]);
    expect(split.push('c\nde\nf')).toEqual(['abc', 'de']);
    expect(split.consumed).toBe(7);
    expect(split.end()).toEqual(['f']);
    expect(split.consumed).toBe(8);
  });

  it('returns only the files a job brings back', () => {
    for (const ok of ['artifacts/a/b.pt', 'job/result.pkl', 'job/result.json', 'env.json', 'events/r0-12-ab.jsonl']) expect(returnablePath(ok)).toBe(true);
    for (const bad of ['meta.json', 'artifacts/../x', 'job/w0.exit', 'logs/w0/stdout.log', 'artifacts/a.tmp-x', '../etc/passwd', 'events/x/y.jsonl']) expect(returnablePath(bad)).toBe(false);
  });
});

describe('Ray run files', () => {
  const runDir = () => path.join(tmp, 'store', 'runs', 'r1');
  const files = (resume: ReturnType<typeof RayRunFiles.readCheckpoint>, notes: string[] = []) => {
    const inband = new InbandMetrics(path.join(tmp, 'store'), 'r1', (m) => notes.push(m));
    inbands.push(inband);
    return new RayRunFiles(runDir(), inband, (m) => notes.push(m), resume);
  };
  const batch = (entries: [string, string][]) => new Map(entries);

  it('a daemon stopped after writing lines it had not checkpointed: the next writes each line once', async () => {
    mkdirSync(runDir(), { recursive: true });
    const first = files(null);
    first.lines(batch([['w0/stdout', 'a\nb\n'], ['w1/stderr', 'x\n']]));
    await first.checkpoint(100); // 100 characters of the log were taken for these
    first.lines(batch([['w0/stdout', 'c\n']])); // then the daemon stops before its next checkpoint
    // The next daemon reads the log again from character 100: "c" comes again, then what is new.
    const second = files(RayRunFiles.readCheckpoint(runDir()));
    second.lines(batch([['w0/stdout', 'c\nd\n'], ['w1/stderr', 'y\n']]));
    expect(readFileSync(path.join(runDir(), 'logs', 'w0', 'stdout.log'), 'utf8')).toBe('a\nb\nc\nd\n');
    expect(readFileSync(path.join(runDir(), 'logs', 'w1', 'stderr.log'), 'utf8')).toBe('x\ny\n');
    // A checkpoint while bytes are still to be skipped counts only what the log has given back.
    const third = files(RayRunFiles.readCheckpoint(runDir()));
    third.lines(batch([['w0/stdout', 'c\n']]));
    await third.checkpoint(103);
    // Ray's own log (job/ray.log) is counted too, so a restarted daemon does not write its lines twice.
    expect(JSON.parse(readFileSync(RayRunFiles.checkpointFile(runDir()), 'utf8'))).toEqual({ offset: 103, sizes: { ray: 0, 'w0/stdout': 6, 'w1/stderr': 2 } });
  });

  it('writes a returned file under a temporary name and renames it once whole; exit codes once', async () => {
    const notes: string[] = [];
    const f = files(null, notes);
    f.chunk(0, 'artifacts/ckpt/m.bin', Buffer.from('ab'));
    f.chunk(0, 'artifacts/ckpt/m.bin', Buffer.from('cd'));
    expect(existsSync(path.join(runDir(), 'artifacts', 'ckpt', 'm.bin'))).toBe(false);
    expect(f.receiving).toBe(true);
    f.chunk(0, 'job/result.json', Buffer.from('{}'));
    await f.exit(0, 0);
    await f.exit(0, 5); // the log read again: the first code stays
    expect(readFileSync(path.join(runDir(), 'artifacts', 'ckpt', 'm.bin'), 'utf8')).toBe('abcd');
    expect(readFileSync(path.join(runDir(), 'job', 'result.json'), 'utf8')).toBe('{}');
    expect(readFileSync(path.join(runDir(), 'job', 'w0.exit'), 'utf8')).toBe('0');
    f.chunk(1, 'logs/w0/stdout.log', Buffer.from('forged'));
    expect(notes).toEqual([expect.stringMatching(/^Worker w1 sent back "logs\/w0\/stdout.log", which is not a file a job returns/)]);
  });
});

describe('Ray package zip', () => {
  it('is read by Python\'s zipfile, names and bytes as written', () => {
    const file = path.join(tmp, 'p.zip');
    writeFileSync(file, zip([{ name: 'runlane/__init__.py', data: Buffer.from('x = 1\n') }, { name: 'input/é.bin', data: Buffer.from([0, 255, 10]) }, { name: 'empty', data: Buffer.alloc(0) }]));
    const listing = execFileSync('python3', ['-c', 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint([(i.filename, list(z.read(i))) for i in z.infolist()])', file], { encoding: 'utf8' });
    expect(listing.trim()).toBe("[('runlane/__init__.py', [120, 32, 61, 32, 49, 10]), ('input/é.bin', [0, 255, 10]), ('empty', [])]");
  });
});

describe('Ray\'s reasons for a job that failed before its workers ran', () => {
  const t = { name: 'ray', address: 'http://head:8265', python: '/opt/venv/bin/python', envVars: {}, cpus: 1, gpus: 0 };
  it('say what to do, from what Ray 2.60.0 answers', () => {
    // As Ray answered on this machine for a package the cluster did not have (trimmed traceback).
    const envFailure = [
      'runtime_env setup failed: Failed to set up runtime environment.',
      'Could not create the actor because its associated runtime env failed to be created.',
      '[Node 192.0.2.2] Traceback (most recent call last):',
      '  File "/venv/ray/_private/runtime_env/packaging.py", line 957, in download_and_unpack_package',
      '    raise IOError(',
      'OSError: Failed to download runtime_env file package gcs://_ray_pkg_nope.zip from the GCS to the Ray worker node.',
    ].join('\n');
    expect(rayFailure(t, { status: 'FAILED', error_type: 'RUNTIME_ENV_SETUP_FAILURE', message: envFailure })).toBe(
      "Ray could not set up the job's runtime environment on the cluster: OSError: Failed to download runtime_env file package gcs://_ray_pkg_nope.zip from the GCS to the Ray worker node.",
    );
    const notFound = 'Job entrypoint command failed with exit code 127, last available logs (truncated to 20,000 chars):\n/bin/sh: 1: /opt/venv/bin/python: not found\nRunning entrypoint for job x: /opt/venv/bin/python -m runlane.ray_driver spec.json\n';
    expect(rayFailure(t, { status: 'FAILED', error_type: 'JOB_ENTRYPOINT_COMMAND_ERROR', driver_exit_code: 127, message: notFound })).toBe(
      'The cluster cannot run /opt/venv/bin/python (/bin/sh: 1: /opt/venv/bin/python: not found); set python = "..." on target "ray" to an interpreter that exists on the cluster\'s nodes.',
    );
    expect(rayFailure(t, { status: 'FAILED', error_type: 'JOB_SUPERVISOR_ACTOR_DIED', message: 'The actor died unexpectedly.' })).toBe('The Ray job failed before its workers reported (JOB_SUPERVISOR_ACTOR_DIED): The actor died unexpectedly.');
  });
});
