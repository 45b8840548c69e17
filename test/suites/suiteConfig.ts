// The three test suites (unit, engines, e2e) as vitest configs over the root vitest.config.ts: the
// engine suites' files come from engines.json, e2e is test/e2e/, and unit is every other test file.
// RUNLANE_SKIP_ENGINES (names from engines.json, comma-separated; set by scripts/test.sh from
// scripts/check-engines.mjs) leaves out the suites this machine cannot run.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, type UserConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export type Suite = 'unit' | 'engines' | 'e2e';

interface Engine {
  name: string;
  suite: 'engines' | 'e2e';
  vitest: string[];
  /** The engine suite's lane (1 when absent): see laneOf. */
  lane?: number;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const E2E_FILES = ['test/e2e/**/*.test.ts'];
export const { engines } = JSON.parse(readFileSync(path.join(root, 'test/suites/engines.json'), 'utf8')) as { engines: Engine[] };

const skipped = new Set((process.env.RUNLANE_SKIP_ENGINES ?? '').split(',').filter(Boolean));
const filesOf = (list: Engine[]) => list.flatMap((e) => e.vitest);

/** The engine suite's lanes: scripts/test.sh runs the suite as two vitest runs at once
 * (RUNLANE_ENGINE_LANE=1 and 2), each one file at a time. Most of an engine file's time is spent
 * waiting on its engine (a job's ssh round trips, an MLflow server's start), so the two lanes
 * overlap the waits; each engine's files stay in one lane, one after another, since the sshd and the
 * Slurm cluster listen on fixed ports. Unset: the whole suite (npx vitest -c engines.config.ts). */
export const laneOf = (e: Engine): number => e.lane ?? 1;
const wantedLane = Number(process.env.RUNLANE_ENGINE_LANE) || undefined;

/** The include and exclude globs of one suite (exported for the test that checks the split). */
export function suiteFiles(suite: Suite, skip: ReadonlySet<string> = skipped, lane: number | undefined = wantedLane): { include: string[]; exclude: string[] } {
  const baseExclude = base.test?.exclude ?? configDefaults.exclude;
  const left = filesOf(engines.filter((e) => skip.has(e.name)));
  if (suite === 'unit') return { include: base.test?.include ?? [], exclude: [...baseExclude, ...E2E_FILES, ...filesOf(engines)] };
  if (suite === 'engines') return { include: filesOf(engines.filter((e) => e.suite === 'engines' && (lane === undefined || laneOf(e) === lane))), exclude: [...baseExclude, ...left] };
  return { include: E2E_FILES, exclude: [...baseExclude, ...left] };
}

export function suiteConfig(suite: Suite): UserConfig {
  return {
    ...base,
    root,
    test: {
      ...base.test,
      ...suiteFiles(suite),
      // A machine without the engines runs none of an engine suite's files: that is a skip, which
      // scripts/test.sh reports, not a failure of the runner.
      passWithNoTests: suite !== 'unit',
      // Two unit files at once even on 2 cores (vitest's default is one less than the cores: one
      // there): most of a unit file's time is spent waiting on a daemon, a child process or a
      // sweep, and the suite took 225 s one at a time, 152 s two at a time (all passed). The engine
      // and e2e suites keep one: an engine or an editor in Chromium takes a core of its own.
      ...(suite === 'unit' ? { maxWorkers: Math.max(2, availableParallelism() - 1), minWorkers: 1 } : {}),
      // Engines shared by the suite's files, started on a file's first request (engineBroker.ts).
      ...(suite === 'engines' ? { globalSetup: [path.join(root, 'test/suites/engineBroker.ts')] } : {}),
    },
  };
}
