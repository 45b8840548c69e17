// The extension on the oldest JupyterLab it declares (jupyterlab-ext/package.json: @jupyterlab/*
// ^4.0.0): JupyterLab 4.0.0 in .cache/jupyterlab-4.0 (scripts/setup-jupyterlab-oldest.sh), where
// `jupyter labextension list` must call it OK (it said "not compatible" while package.json pinned
// 4.6.6), the built bundle must ask for no newer shared module, and the sources must type-check
// against that JupyterLab's own declarations. Then the whole JupyterLab e2e suite
// (./jupyterlab.e2e.test.ts, unchanged) runs again against it: sidebar, tracked and job cells,
// charts, details, everything (about 100 s).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { jupyterlabBin, OLDEST_JUPYTERLAB } from './jupyterlab/lab.js';

process.env.RUNLANE_JUPYTERLAB = 'oldest';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const labextension = path.join(repo, 'jupyterlab-ext/runlane_jupyterlab/labextension');

/** Whether `version` (x.y.z) satisfies an npm range of the forms the builder writes: ^x.y.z, ~x.y.z, x.y.z. */
function satisfies(version: string, range: string): boolean {
  const parse = (s: string) => (s.replace(/^[\^~]/, '').split('-')[0] ?? '').split('.').map(Number);
  const [vMajor = 0, vMinor = 0, vPatch = 0] = parse(version);
  const [rMajor = 0, rMinor = 0, rPatch = 0] = parse(range);
  const atLeast = vMajor !== rMajor ? vMajor > rMajor : vMinor !== rMinor ? vMinor > rMinor : vPatch >= rPatch;
  if (range.startsWith('^')) return atLeast && vMajor === rMajor && (rMajor > 0 || vMinor === rMinor);
  if (range.startsWith('~')) return atLeast && vMajor === rMajor && vMinor === rMinor;
  return vMajor === rMajor && vMinor === rMinor && vPatch === rPatch;
}

describe(`Runlane installed beside JupyterLab ${OLDEST_JUPYTERLAB.version}`, () => {
  it('is listed by jupyter labextension list as enabled and OK, not as incompatible', () => {
    const listed = spawnSync(path.join(jupyterlabBin(), 'jupyter'), ['labextension', 'list'], { encoding: 'utf8' });
    const text = stripVTControlCharacters(`${listed.stdout}${listed.stderr}`); // it colours enabled and OK
    expect(text).toContain(`JupyterLab v${OLDEST_JUPYTERLAB.version}`);
    expect(text).toMatch(/^\s*runlane-jupyterlab v\S+ enabled OK\s*$/m);
    expect(text).not.toContain('not compatible');
  }, 60_000);

  it('asks the page for no shared module newer than this JupyterLab provides (no version warning, no second copy)', () => {
    const built = JSON.parse(readFileSync(path.join(labextension, 'package.json'), 'utf8')) as { jupyterlab: { _build: { load: string } } };
    const entry = readFileSync(path.join(labextension, built.jupyterlab._build.load), 'utf8');
    // The module federation runtime's table: shareKey:"@jupyterlab/notebook",import:null,requiredVersion:"^4.0.0"
    const required = [...entry.matchAll(/shareKey:"(@(?:jupyterlab|lumino)\/[^"]+)",import:[^,]*,requiredVersion:"([^"]+)"/g)].map((m) => ({ name: m[1] ?? '', range: m[2] ?? '' }));
    expect(required.map((r) => r.name)).toContain('@jupyterlab/application');
    // What this JupyterLab really ships: its own license list names each package's version.
    const licenses = path.join(OLDEST_JUPYTERLAB.venv, 'share', 'jupyter', 'lab', 'static', 'third-party-licenses.json');
    const shipped = new Map((JSON.parse(readFileSync(licenses, 'utf8')) as { packages: { name: string; versionInfo: string }[] }).packages.map((p) => [p.name, p.versionInfo]));
    const unmet = required.filter((r) => {
      const version = shipped.get(r.name);
      return version === undefined || !satisfies(version, r.range);
    });
    expect(unmet.map((r) => `${r.name} ${r.range} (JupyterLab ${OLDEST_JUPYTERLAB.version} has ${shipped.get(r.name) ?? 'none'})`)).toEqual([]);
  });

  it("type-checks against this JupyterLab's own declarations: no newer API without a guard", () => {
    // scripts/setup-jupyterlab-oldest.sh fetched them; jupyterlab-ext/tsconfig.oldest.json maps them in.
    const tsc = spawnSync(process.execPath, [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(repo, 'jupyterlab-ext/tsconfig.oldest.json')], { encoding: 'utf8' });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
  }, 180_000);
});

// The whole suite again, here against JupyterLab 4.0.0 (its startLab reads RUNLANE_JUPYTERLAB).
await import('./jupyterlab.e2e.test.js');
