// `runlane show f9e015`: every command that takes a RUN accepts the short id the editors show (the
// last 6 characters), any unique prefix or suffix of 4+ characters, or the full id; an ambiguous one
// is refused naming the runs it matches. On a copy of the v1 fixture store, a TensorBoard log
// directory, and the store's trash, through the real CLI (and a real daemon for note and restore).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail } from '@runlane/protocol';
import { runCli } from '../../../../test/helpers/cliInProcess.js';
import { stopDaemonIn } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { trashRun } from '../store/trash.js';
import { matchRunId } from './runIds.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../../../../test/fixtures');
const tbx = path.join(fixtures, 'tfevents', 'tensorboardx');
const FULL = '20261101-120000-aaaaaa';

let tmp = '';
let store = '';
let env: Record<string, string> = {};
const cli = (args: string[]) => runCli([...args, '--dir', store], env);
/** The built executable: a command that starts the daemon must be one (the daemon is spawned from it). */
const bin = path.resolve(here, '../../bin/runlane.js');
function binCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args, '--dir', store], { env: { ...process.env, ...env }, cwd: tmp, timeout: 60_000 }, (err, out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out, err: stderr }),
    );
  });
}

beforeAll(() => {
  tmp = makeTempDir('cli-run-ids');
  store = path.join(tmp, 'store');
  cpSync(path.join(fixtures, 'store-v1'), store, { recursive: true });
  env = { RUNLANE_RUNTIME_DIR: path.join(tmp, 'runtime'), RUNLANE_DIR: '' };
});
afterAll(async () => {
  await stopDaemonIn(path.join(tmp, 'runtime'));
  removeTempDir(tmp);
});

describe('a RUN given by the short id the editors show', () => {
  it('show, metrics, logs, media and histograms take the last 6 characters, a prefix or the full id', async () => {
    for (const given of [FULL, 'aaaaaa', 'aaaa', '20261101-12', '20261101-120000-a']) {
      const shown = await cli(['show', given, '--json']);
      expect({ given, code: shown.code, err: shown.err }).toEqual({ given, code: 0, err: expect.any(String) });
      expect((JSON.parse(shown.out) as RunDetail).id).toBe(FULL);
    }
    const points = await cli(['metrics', 'aaaaaa', 'acc', '--json']);
    expect(points.code).toBe(0);
    expect((JSON.parse(points.out) as unknown[]).length).toBeGreaterThan(0);
    expect((await cli(['logs', 'aaaaaa'])).out).toContain('epoch 0 loss 1.0');
    const media = await cli(['media', 'aaaaaa']);
    expect(media.code).toBe(0);
    expect(media.out).toContain(`Run ${FULL} has no images or texts`); // the message names the full id
    expect(await cli(['histograms', 'aaaaaa', 'w'])).toMatchObject({ code: 0, out: `Run ${FULL} has no histogram "w".\n` });
  });

  it('an ambiguous id is refused (exit 2) listing at most 5 of the runs it matches', async () => {
    const four = await cli(['show', '20261101']);
    expect(four.code).toBe(2);
    expect(four.out).toBe('');
    expect(four.err).toBe(
      'runlane: "20261101" matches 4 runs (20261101-120000-aaaaaa, 20261101-130000-bbbbbb, 20261101-140000-cccccc, 20261101-150000-dddddd). ' +
        'Give more characters of the run id (`runlane ls` lists them).\n',
    );
    // Seven runs ending alike: five named, the rest counted. A run folder is all the listing reads.
    const many = path.join(tmp, 'many');
    for (let i = 0; i < 7; i++) mkdirSync(path.join(many, 'runs', `20261102-00000${i}-abc12${i}`), { recursive: true });
    cpSync(path.join(store, 'runlane-store.json'), path.join(many, 'runlane-store.json'));
    const seven = await runCli(['show', '20261102', '--dir', many], env);
    expect(seven.code).toBe(2);
    expect(seven.err).toMatch(/^runlane: "20261102" matches 7 runs \(20261102-000000-abc120, .*, 20261102-000004-abc124 and 2 more\)\. Give more characters/);
  });

  it('an unknown id, or one under 4 characters, gets the sentence it always got (exit 3)', async () => {
    for (const given of ['f9e015', 'aaa', 'zzzz-aaaaaa']) {
      const res = await cli(['show', given]);
      expect(res.code).toBe(3);
      expect(res.err).toMatch(new RegExp(`^runlane: No run "${given}" in the store .* Run \`runlane ls\` to see the run ids\\.\\n$`));
    }
  });

  it('--logdir runs resolve against the log directory\'s run list', async () => {
    // 'metrics/val' ends only add_scalars/metrics/val; 'metrics/' begins none and ends none
    const points = await cli(['metrics', 'metrics/val', 'metrics', '--json', '--logdir', tbx]);
    expect(points.code, points.err).toBe(0);
    expect((JSON.parse(points.out) as { value: number }[]).map((p) => p.value)).toEqual([2, 1, 2 / 3, 0.5].map((v) => Math.fround(v)));
    const both = await cli(['show', 'add_scalars/metrics', '--logdir', tbx]);
    expect(both.code).toBe(2);
    expect(both.err).toContain('matches 2 runs (add_scalars/metrics/train, add_scalars/metrics/val)');
    // A store run's short id still works beside a log directory.
    expect(JSON.parse((await cli(['show', 'bbbbbb', '--json', '--logdir', tbx])).out)).toMatchObject({ id: '20261101-130000-bbbbbb' });
  });

  it('note and restore (through the daemon) take the short id; restore resolves among the deleted runs', async () => {
    const noted = await binCli(['note', 'cccccc', 'short ids work']);
    expect(noted, noted.err).toMatchObject({ code: 0, out: 'Noted on 20261101-140000-cccccc.\n' });
    expect(JSON.parse((await cli(['show', '20261101-140000-cccccc', '--json'])).out)).toMatchObject({ note: 'short ids work' });
    await trashRun(store, '20261101-130000-bbbbbb');
    expect((await cli(['show', 'bbbbbb'])).code).toBe(3); // deleted: no longer a listed run
    const restored = await binCli(['restore', 'bbbbbb']);
    expect(restored.code, restored.err).toBe(0);
    expect(restored.out).toMatch(/^Restored 20261101-130000-bbbbbb \(/);
    expect(JSON.parse(readFileSync(path.join(store, 'runs', '20261101-130000-bbbbbb', 'meta.json'), 'utf8'))).toMatchObject({ id: '20261101-130000-bbbbbb' });
    // runlane sweep --resume SWEEP: the run named by its short id is the one checked.
    const resumed = await binCli(['sweep', '--resume', 'aaaaaa']);
    expect(resumed).toMatchObject({ code: 2, err: expect.stringContaining('Run 20261101-120000-aaaaaa is not a sweep') });
    expect(await binCli(['sweep', '--resume', '20261101'])).toMatchObject({ code: 2, err: expect.stringContaining('"20261101" matches 4 runs') });
  }, 60_000); // starts a daemon

  it('push resolves every run before pushing any: an ambiguous one is a usage error (exit 2)', async () => {
    // No server is reached: the ids are resolved before the first request.
    const res = await runCli(['push', 'aaaaaa', '20261101', '--mlflow', 'http://127.0.0.1:9', '--dir', store], env);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/^runlane: "20261101" matches 4 runs/);
    expect(res.out).toBe('');
  });
});

describe('matchRunId', () => {
  const ids = ['20261130-151532-f9e015', '20261130-151600-f9e016', 'exp/a', 'run1', 'run10'];
  it('prefers an exact id, then the one id a 4+ character input begins or ends', () => {
    expect(matchRunId('run1', ids)).toBe('run1'); // exact, though it also begins run10
    expect(matchRunId('f9e015', ids)).toBe('20261130-151532-f9e015');
    expect(matchRunId('exp/', ids)).toBe('exp/a');
    expect(matchRunId('e015', ids)).toBe('20261130-151532-f9e015');
    expect(matchRunId('f9e', ids)).toBe('f9e'); // too short: left for the lookup to refuse
    expect(matchRunId('nowhere', ids)).toBe('nowhere');
    // A sweep's block run reads `a6691b-b3` in the editors: a suffix of its id, apart from its job's.
    const sweep = ['20261130-151532-a6691b', '20261130-151532-a6691b-b3', '20261130-151532-a6691b-b12'];
    expect(matchRunId('a6691b-b3', sweep)).toBe('20261130-151532-a6691b-b3');
    expect(matchRunId('a6691b', sweep)).toBe('20261130-151532-a6691b');
    expect(() => matchRunId('20261130-151532-a669', sweep)).toThrow(/matches 3 runs/);
    expect(() => matchRunId('20261130-151', ids)).toThrow(/matches 2 runs \(20261130-151532-f9e015, 20261130-151600-f9e016\)/);
  });
});
