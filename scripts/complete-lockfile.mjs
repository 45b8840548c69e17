#!/usr/bin/env node
// Adds to package-lock.json the optional packages of other platforms that npm left out (it writes
// only some of @rspack/binding's, for one): without them `npm ci` on a Mac installs no binary for
// that platform, or refuses the lockfile as out of sync. Run it after `npm install` changes the
// lockfile; test/integration/lockfile.test.ts fails until it is run. Asks the registry (`npm view`)
// only about the packages that are missing.
// Usage: node scripts/complete-lockfile.mjs [--check]   (--check: list what is missing, change nothing)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

/** Where Node would find `name` from the package at `from`, or null. */
function resolve(from, name) {
  for (let base = from; ; ) {
    const at = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[at]) return at;
    if (!base) return null;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

/** Each missing optional dependency: where it goes (beside its dependent, as npm puts the others). */
const missing = [];
for (const [at, pkg] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(pkg.optionalDependencies ?? {})) {
    // wasm32 builds run on no platform Node reports (process.arch is never wasm32), and bring
    // dependencies of their own: npm leaves them out, and so does this.
    if (resolve(at, name) || name.endsWith('-wasm32-wasi')) continue;
    const parent = at.slice(0, at.lastIndexOf('node_modules/'));
    missing.push({ at: `${parent}node_modules/${name}`, name, spec, dependent: pkg });
  }
}

if (process.argv.includes('--check')) {
  for (const m of missing) console.log(`${m.at} (${m.spec}) is not in package-lock.json`);
  process.exit(missing.length > 0 ? 1 : 0);
}

const added = new Map();
for (const m of missing) {
  if (added.has(m.at)) continue;
  const meta = JSON.parse(execFileSync('npm', ['view', `${m.name}@${m.spec}`, '--json'], { encoding: 'utf8' }));
  const info = Array.isArray(meta) ? meta.at(-1) : meta; // a range matching several versions: the newest
  const entry = { version: info.version, integrity: info.dist.integrity };
  const rest = { cpu: info.cpu, dev: m.dependent.dev, devOptional: m.dependent.devOptional, engines: info.engines, libc: info.libc, license: info.license, optional: true, os: info.os, peer: m.dependent.peer };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) entry[k] = v;
  added.set(m.at, entry);
}

// New entries go where npm sorts them, and every existing entry stays where it is (a small diff).
const pending = [...added.keys()].sort((a, b) => a.localeCompare(b, 'en'));
const out = {};
for (const [at, pkg] of Object.entries(packages)) {
  while (pending.length > 0 && at !== '' && pending[0].localeCompare(at, 'en') < 0) {
    const next = pending.shift();
    out[next] = added.get(next);
  }
  out[at] = pkg;
}
for (const next of pending) out[next] = added.get(next);
lock.packages = out;
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.size === 0 ? 'package-lock.json: complete' : `package-lock.json: added ${[...added.keys()].join(', ')}`);
