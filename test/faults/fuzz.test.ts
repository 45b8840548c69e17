// Bad input in bulk: every reader of bytes from outside the daemon fed thousands of mutated copies of
// a valid input (bytes flipped, cut, repeated, spliced with JSON and number edge cases), seeded so a
// failure can be replayed. Each must end in a result or in a StoreError (a sentence for the user);
// any other exception (TypeError, RangeError...) is a crash, and a read that takes over HANG_MS a
// hang. Count- and time-bounded: FUZZ_CASES cases or FUZZ_MS per reader, whichever comes first.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InbandDemux } from '@runlane/protocol';
import { StoreError, StoreReader } from '../../shared/core/src/index.js';
import { EventFileTail } from '../../shared/core/src/formats/tfevents/index.js';
import { parseTargets } from '../../shared/core/src/targets/targetsFile.js';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { FULL, faultRow } from './faultRow.js';
import { Mutator } from './mutate.js';

const FUZZ_CASES = FULL ? 20_000 : 1_500;
const FUZZ_MS = FULL ? 20_000 : 800;
const HANG_MS = 2_000;
const ROOT = path.resolve(import.meta.dirname, '../..');

interface Outcome {
  cases: number;
  refused: number;
  crashes: string[];
  slowestMs: number;
}

/** Feeds `feed` mutations of `seed` until the count or the time is up; collects crashes and hangs. */
async function fuzz(seed: Buffer, feed: (input: Buffer) => unknown, randomSeed: number): Promise<Outcome> {
  const mutator = new Mutator(randomSeed);
  const out: Outcome = { cases: 0, refused: 0, crashes: [], slowestMs: 0 };
  const deadline = Date.now() + FUZZ_MS;
  while (out.cases < FUZZ_CASES && Date.now() < deadline) {
    const input = mutator.mutate(seed);
    const started = performance.now();
    try {
      await feed(input);
    } catch (err) {
      if (err instanceof StoreError && err.message.length > 10) out.refused++;
      else if (out.crashes.length < 5) out.crashes.push(`case ${out.cases} (seed ${randomSeed}): ${(err as Error)?.stack ?? String(err)}`);
    }
    const ms = performance.now() - started;
    out.slowestMs = Math.max(out.slowestMs, ms);
    if (ms > HANG_MS && out.crashes.length < 5) out.crashes.push(`case ${out.cases} (seed ${randomSeed}) took ${Math.round(ms)} ms`);
    out.cases++;
  }
  return out;
}

function report(name: string, out: Outcome): void {
  const row = faultRow({ fault: `fuzz: ${name}`, load: `${out.cases.toLocaleString('en')} mutated inputs`, checked: 'a result or a StoreError sentence each; no crash, no read over 2 s' });
  expect(out.crashes, out.crashes.join('\n\n')).toEqual([]);
  expect(out.cases).toBeGreaterThan(100);
  row.pass({ lost: 0, refused_with_a_sentence: out.refused, slowest_ms: Math.round(out.slowestMs) });
}

describe('fuzz: the readers of outside bytes', () => {
  const tmp = makeTempDir('fault-fuzz');
  const store = path.join(tmp, 'store');
  const runId = '20261101-120000-aaaaaa';
  const runDir = path.join(store, 'runs', runId);

  beforeAll(() => {
    cpSync(path.join(ROOT, 'test/fixtures/store-v1'), store, { recursive: true });
  });
  afterAll(() => removeTempDir(tmp));

  /** Reads the run as the daemon does for a client: summary, details, each series. */
  async function readAll(): Promise<void> {
    const reader = await StoreReader.open(store, () => {});
    await reader.readRunDetail(runId);
    for (const key of ['acc', 'train/loss', 'grad norm', 'empty']) await reader.readSeries(runId, key).catch((err: unknown) => {
      if (!(err instanceof StoreError) || err.code !== 'not_found') throw err;
    });
  }

  it('events lines, meta.json and metric records of a run', async () => {
    const files = ['meta.json', ...readdirSync(path.join(runDir, 'events')).map((f) => `events/${f}`), 'metrics/1001-0000aaaa/train%2Floss.rlm'];
    const totals: Outcome = { cases: 0, refused: 0, crashes: [], slowestMs: 0 };
    for (const [i, rel] of files.entries()) {
      const file = path.join(runDir, rel);
      const original = readFileSync(file);
      const out = await fuzz(original, async (input) => {
        writeFileSync(file, input);
        await readAll();
      }, 1000 + i);
      writeFileSync(file, original);
      totals.cases += out.cases;
      totals.refused += out.refused;
      totals.crashes.push(...out.crashes);
      totals.slowestMs = Math.max(totals.slowestMs, out.slowestMs);
    }
    report('store files (events lines, meta.json, metric records)', totals);
  }, 600_000);

  it('TensorBoard event files', async () => {
    const fixture = path.join(ROOT, 'test/fixtures/tfevents/hparams/trained/events.out.tfevents.1796016254.vm');
    const file = path.join(tmp, 'events.out.tfevents.1.fuzz');
    const out = await fuzz(readFileSync(fixture), async (input) => {
      writeFileSync(file, input);
      await new EventFileTail(file, () => {}).read(() => {}, () => {});
    }, 2000);
    report('TensorBoard event files', out);
  }, 600_000);

  it('in-band metric records in a worker\'s output', async () => {
    const vectors = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/inband-vectors.json'), 'utf8')) as { demux: { chunks: string[] }[] };
    const seed = Buffer.from(vectors.demux.flatMap((v) => v.chunks).join(''), 'latin1');
    const out = await fuzz(seed, (input) => {
      const demux = new InbandDemux();
      const text = input.toString('latin1');
      for (let at = 0; at < text.length; at += 97) demux.push(text.slice(at, at + 97)); // split as pipes do
    }, 3000);
    report('in-band records', out);
  }, 600_000);

  it('runlane.toml', async () => {
    const seed = Buffer.from('[targets.gpu]\nkind = "ssh"\nhost = "box"\ngpus = ["0", 1]\n\n[targets.hpc]\nkind = "slurm"\npartition = "gpu"\n\n[targets.ray]\nkind = "ray"\naddress = "http://127.0.0.1:8265"\ngpus = 1\n');
    const out = await fuzz(seed, (input) => parseTargets(input.toString('utf8')), 4000);
    report('runlane.toml', out);
  }, 600_000);

  describe('the API\'s JSON bodies (a real daemon)', () => {
    let d: TestDaemon;
    beforeAll(async () => {
      d = await startTestDaemon({ store, runtimeDir: path.join(tmp, 'runtime') });
    });
    afterAll(async () => d?.close());

    it('answers each with a 4xx and a sentence, never a 500, and stays up', async () => {
      const { port, token } = d.client.runtime;
      const bodies: [string, string, string][] = [
        ['PATCH', `/runs/${runId}`, '{"name":"renamed","tags":{"team":"core","gone":null}}'],
        ['POST', '/jobs', '{"target":"nowhere","command":["python","train.py"],"workers":2,"gpus_per_worker":1,"name":"x"}'],
        ['POST', `/runs/${runId}/rerun`, '{"params":{"lr":0.1,"layers":[1,2]}}'],
      ];
      const totals: Outcome = { cases: 0, refused: 0, crashes: [], slowestMs: 0 };
      for (const [i, [method, route, seed]] of bodies.entries()) {
        const out = await fuzz(Buffer.from(seed), async (input) => {
          const res = await fetch(`http://127.0.0.1:${port}/api/v1${route}?store=${encodeURIComponent(store)}`, { method, body: new Uint8Array(input), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
          const body = (await res.json()) as { error?: string };
          if (res.status >= 500 && res.status !== 502) throw new Error(`${method} ${route} ${JSON.stringify(input.toString('latin1'))}: ${res.status} ${body.error}`);
          if (res.status >= 400 && !(typeof body.error === 'string' && body.error.length > 10)) throw new Error(`${res.status} without a sentence`);
        }, 5000 + i);
        totals.cases += out.cases;
        totals.crashes.push(...out.crashes);
        totals.slowestMs = Math.max(totals.slowestMs, out.slowestMs);
      }
      expect((await d.client.health()).pid).toBe(process.pid);
      report('API JSON bodies (PATCH a run, POST a job, rerun)', totals);
    }, 600_000);
  });
});
