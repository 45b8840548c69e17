// The engine suite's two lanes (test/suites/engines.json "lane", scripts/test.sh runs them at once):
// together they are the whole suite, no file is in both, and every file of one engine is in one
// lane, so that two files of one engine (fixed ports: the sshd, the Slurm cluster) never overlap.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { engines } = JSON.parse(readFileSync(path.join(root, 'test/suites/engines.json'), 'utf8')) as { engines: { name: string; suite: string; lane?: number; vitest: string[] }[] };

/** The engine suite's files in `lane` (all lanes: none given), of every engine but those in `skip`. */
async function engineFiles(lane?: string, skip: string[] = []): Promise<string[]> {
  // Every engine counted as present unless skipped: a machine without one leaves its files out.
  const env = { ...process.env, RUNLANE_SKIP_ENGINES: skip.join(','), RUNLANE_ENGINE_LANE: lane ?? '' };
  const { stdout } = await run(path.join(root, 'node_modules/.bin/vitest'), ['list', '--filesOnly', '-c', 'test/suites/engines.config.ts'], { cwd: root, env, maxBuffer: 16 << 20 });
  return stdout.split('\n').map((l) => l.trim()).filter((l) => l.endsWith('.ts')).sort();
}

it('splits the engine suite in two lanes that together run each of its files once, an engine in one lane', async () => {
  const only = (name: string) => engineFiles(undefined, engines.map((e) => e.name).filter((n) => n !== name));
  const [all, one, two, ssh, slurm] = await Promise.all([engineFiles(), engineFiles('1'), engineFiles('2'), only('ssh'), only('slurm')]);
  expect(one.length).toBeGreaterThan(0);
  expect(two.length).toBeGreaterThan(0);
  expect([...one, ...two].sort()).toEqual(all);
  // The fixed-port engines: each one's files (an engine test and its fault row) share a lane.
  for (const [name, mine] of [['ssh', ssh], ['slurm', slurm]] as const) {
    const lane = (engines.find((e) => e.name === name)!.lane ?? 1) === 1 ? one : two;
    expect(mine.length, name).toBeGreaterThanOrEqual(2);
    expect(lane, name).toEqual(expect.arrayContaining(mine));
  }
}, 120_000);
