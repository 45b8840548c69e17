#!/usr/bin/env node
// Which engine test suites this machine can run (test/suites/engines.json says what each needs).
// Usage: node scripts/check-engines.mjs [--tsv] [SUITE...]   (SUITE: engines, e2e; default both)
// Prints one line per missing engine, "SKIPPED: <label>: <reason> (<what to do>)", or with --tsv
// "<name>\t<that line>" for scripts/test.sh. Exits 0, unless an engine is missing while CI=true or
// RUNLANE_REQUIRE_ENGINES=1: then the lines say FAILED and it exits 1, so CI cannot pass by skipping.
import { accessSync, constants, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { engines } = JSON.parse(readFileSync(path.join(root, 'test/suites/engines.json'), 'utf8'));

const args = process.argv.slice(2);
const tsv = args.includes('--tsv');
const suites = args.filter((a) => a !== '--tsv');
for (const s of suites) {
  if (s !== 'engines' && s !== 'e2e') {
    console.error(`check-engines: unknown suite "${s}" (known: engines, e2e).`);
    process.exit(2);
  }
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Daemons such as sshd live in sbin folders that a user's PATH often lacks.
function onPath(command) {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...dirs, '/usr/sbin', '/sbin'].some((dir) => executable(path.join(dir, command)));
}

/** Why this machine cannot run the engine's suite, or null when it can. */
// RUNLANE_WITHOUT_ENGINES (names, comma-separated): engines to take as missing though installed, for the
// test of a machine without them (an engine in .cache/, such as Ray's venv, cannot be hidden from PATH).
const without = new Set((process.env.RUNLANE_WITHOUT_ENGINES ?? '').split(',').filter(Boolean));

function missing(engine) {
  if (without.has(engine.name)) return 'left out by RUNLANE_WITHOUT_ENGINES';
  const platform = `${process.platform}-${process.arch}`;
  if (engine.platforms && !engine.platforms.includes(platform)) return `it installs only on ${engine.platforms.join(', ')}, not ${platform}`;
  for (const command of engine.commands ?? []) if (!onPath(command)) return `${command} not found`;
  for (const file of engine.files ?? []) if (!executable(path.resolve(root, file))) return `${file} not found`;
  if (engine.root && process.getuid?.() !== 0) return 'it starts its daemons as root, and this is not root';
  return null;
}

const flag = (v) => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
const required = flag(process.env.CI) || flag(process.env.RUNLANE_REQUIRE_ENGINES);
const why = flag(process.env.RUNLANE_REQUIRE_ENGINES) ? 'RUNLANE_REQUIRE_ENGINES=1' : 'CI=true';

let failed = false;
for (const engine of engines) {
  if (suites.length > 0 && !suites.includes(engine.suite)) continue;
  const reason = missing(engine);
  if (reason === null) continue;
  const line = required
    ? `FAILED: ${engine.label} cannot run: ${reason} (${engine.install}); ${why} requires every engine`
    : `SKIPPED: ${engine.label}: ${reason} (${engine.install})`;
  failed ||= required;
  console.log(tsv ? `${engine.name}\t${line}` : line);
}
process.exit(failed ? 1 : 0);
