// A real JupyterLab (from .venv, or the oldest supported one: jupyterlabBin) with the extension as
// setup installs it, in a temp folder, for the end-to-end tests: started in its own process group,
// stopped with everything it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcessGroup } from '../../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The oldest JupyterLab the extension declares (package.json: `@jupyterlab/* ^4.0.0`), in its own venv. */
export const OLDEST_JUPYTERLAB = { version: '4.0.0', venv: path.join(root, '.cache', 'jupyterlab-4.0') };

/**
 * The JupyterLab a test drives: .venv's (the newest, as `npm start` runs it), or the oldest supported
 * one when RUNLANE_JUPYTERLAB=oldest (scripts/setup-jupyterlab-oldest.sh installs it).
 */
export function jupyterlabBin(): string {
  const which = process.env.RUNLANE_JUPYTERLAB ?? '';
  if (which === '' || which === 'newest') return path.join(root, '.venv', 'bin');
  if (which !== 'oldest') throw new Error(`RUNLANE_JUPYTERLAB=${which} is not a JupyterLab the tests know; use oldest, newest or leave it unset.`);
  const bin = path.join(OLDEST_JUPYTERLAB.venv, 'bin');
  if (!existsSync(path.join(bin, 'jupyter'))) throw new Error(`JupyterLab ${OLDEST_JUPYTERLAB.version} is not installed in ${OLDEST_JUPYTERLAB.venv}; run: bash scripts/setup-jupyterlab-oldest.sh`);
  return bin;
}

export interface Lab {
  url: (page: string) => string;
  token: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startLab(folder: string, env: Record<string, string>): Promise<Lab> {
  const venvBin = jupyterlabBin();
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  let output = '';
  const child: ChildProcess = spawn(
    path.join(venvBin, 'jupyter'),
    ['lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--allow-root', `--IdentityProvider.token=${token}`, '--ServerApp.port_retries=0', `--ServerApp.root_dir=${folder}`],
    { cwd: folder, detached: true, env: { ...process.env, ...env, PATH: `${venvBin}:${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`JupyterLab exited:\n${output}`);
    try {
      const res = await fetch(`${base}/api/status?token=${token}`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`JupyterLab did not answer in 90 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url: (page) => `${base}${page}${page.includes('?') ? '&' : '?'}token=${token}`,
    token,
    output: () => output,
    stop: () => stopProcessGroup(child, 10_000),
  };
}
