// A team's MLflow server in a real VS Code (code-server) driven in Chromium: a real MLflow tracking
// server (sqlite, one per file) with runs logged by a plain `mlflow` Python script, declared in the
// workspace's runlane.toml. The Runs view shows it as its own group named by its host, beside the
// local store; a server run's details; a local and a server run in one chart, and a point the script
// logs afterwards reaching that chart within seconds (read from the chart's tooltip at its right end);
// "Add MLflow Server…" says what is wrong with a URI as it is typed. Screenshots: test/e2e/screenshots/vscode-mlflow/.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreWriter } from '@runlane/core';
import { stopDaemonIn } from '../helpers/daemon.js';
import { mlflowPythonJson, runMlflowPython } from '../helpers/mlflowPython.js';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflowServer.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startCodeServer, vsix, type CodeServer } from './vscode/codeServer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(process.env.RUNLANE_SCREENSHOTS ?? path.join(here, 'screenshots'), 'vscode-mlflow');
const ready = existsSync(vsix) && existsSync(path.join(here, '../../.cache/code-server/cs/node_modules/.bin/code-server'));

let tmp: string;
let workspace: string;
let mlflow: MlflowServer;
let server: CodeServer;
let context: BrowserContext;
let page: Page;
let liveRun: string;

const TEAM_SCRIPT = `
import json, mlflow
mlflow.set_experiment("team-exp")
with mlflow.start_run(run_name="team baseline") as r:
    mlflow.log_params({"lr": 0.01, "optimizer": "adam"})
    mlflow.set_tag("owner", "alice")
    for s in range(30):
        mlflow.log_metric("loss", 1.0 / (s + 1), step=s)
# Still running when the script ends (the client API: mlflow's atexit hook would end a fluent run).
client = mlflow.MlflowClient()
live = client.create_run(mlflow.get_experiment_by_name("team-exp").experiment_id, run_name="team live")
for s in range(5):
    client.log_metric(live.info.run_id, "loss", 2.0 / (s + 1), step=s)
print(json.dumps({"live": live.info.run_id}))
`;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function inFrames(selector: string, timeout = 30_000): Promise<Frame> {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    for (const f of page.frames()) {
      try {
        if (await f.locator(selector).count()) return f;
      } catch {
        // a frame that went away
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`not found in any frame: ${selector}`);
}

const treeRow = (text: string) => page.locator('.pane-body .monaco-list-row', { hasText: text }).first();

async function palette(text: string): Promise<void> {
  await page.mouse.click(700, 12);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${text}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().click();
}

beforeAll(async () => {
  if (!ready) throw new Error('The VS Code e2e test needs the .vsix (npm run build) and code-server (scripts/setup-code-server.sh); scripts/setup.sh installs both.');
  tmp = makeTempDir('vscode-mlflow');
  workspace = path.join(tmp, 'project');
  mkdirSync(workspace);
  mlflow = await startMlflowServer({ dir: path.join(tmp, 'mlflow') });
  liveRun = (await mlflowPythonJson<{ live: string }>(TEAM_SCRIPT, mlflow.env)).live;
  writeFileSync(path.join(workspace, 'runlane.toml'), `[stores.team]\nkind = "mlflow"\nuri = "${mlflow.uri}"\n`);
  const writer = await StoreWriter.open(path.join(workspace, '.runlane'));
  const local = await writer.createRun({ name: 'local baseline', experiment: 'mine', kind: 'script' });
  writer.appendEvent(local, { type: 'status', status: 'running' });
  writer.logMetrics(local, 'loss', Array.from({ length: 30 }, (_, s) => ({ step: s, value: 1.5 / (s + 1), time: 1.7e9 + s })));
  writer.appendEvent(local, { type: 'status', status: 'finished' });
  server = await startCodeServer(tmp, workspace, { RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt'), RUNLANE_DIR: '' });
  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  mkdirSync(shots, { recursive: true });
}, 240_000);

afterEach(async (ctx) => {
  if (ready && ctx.task.result?.state === 'fail') await shot(`failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}`).catch(() => undefined);
  if (ready) for (let i = 0; i < 2; i++) await page.keyboard.press('Escape').catch(() => undefined);
});

afterAll(async () => {
  if (!ready) return;
  await context?.close();
  await server?.stop();
  await stopDaemonIn(path.join(tmp, 'rt'));
  await mlflow?.stop();
  removeTempDir(tmp);
}, 60_000);

describe('a team MLflow server in VS Code', () => {
  it('shows the declared server as its own group, named by its host, beside the local store', async () => {
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.activitybar a[aria-label="Runlane"]').click({ timeout: 60_000 });
    const group = treeRow(`MLflow: ${new URL(mlflow.uri).host}`);
    await group.waitFor({ timeout: 60_000 });
    await treeRow('team baseline').waitFor({ timeout: 30_000 });
    await treeRow('local baseline').waitFor();
    expect(await group.textContent()).toContain('runlane.toml [stores.team]');
    // Found in use: a running server run offered Stop (inline, on hover), which the daemon refuses.
    await treeRow('team live').hover();
    expect(await treeRow('team live').locator('.action-label[aria-label="Stop Run"]').count()).toBe(0);
    const targets = page.locator('.pane-header', { hasText: 'Targets' }).first();
    if ((await targets.getAttribute('aria-expanded')) === 'true') await targets.click();
    await shot('01-server-group');
  }, 180_000);

  it('opens a server run’s details: params, tags, metrics', async () => {
    await treeRow('team baseline').click();
    const frame = await inFrames('h2.rl-title:text-is("team baseline")', 60_000);
    await frame.locator('text=optimizer').first().waitFor({ timeout: 30_000 });
    const text = (await frame.locator('body').textContent()) ?? '';
    for (const word of ['0.01', 'adam', 'owner', 'alice', 'loss']) expect(text).toContain(word);
    await shot('02-server-run-details');
  }, 90_000);

  it('charts a local and a server run together; a point the script logs reaches the chart within seconds', async () => {
    await treeRow('local baseline').click();
    await treeRow('team live').click({ modifiers: ['Control'] });
    await page.locator('.pane-header', { hasText: 'Runs' }).hover();
    await page.locator('.pane-header .action-label[aria-label="Open Charts"]').click();
    const frame = await inFrames('.rl-card canvas', 60_000);
    await expect.poll(async () => (await frame.locator('.rl-legend').textContent()) ?? '', { timeout: 30_000 }).toMatch(/local baseline[\s\S]*team live|team live[\s\S]*local baseline/);
    await page.waitForTimeout(800);
    await shot('03-local-and-server-chart');
    await runMlflowPython(`import mlflow\nmlflow.log_metric("loss", 0.123, step=77, run_id="${liveRun}")`, mlflow.env);
    const logged = Date.now();
    const canvas = frame.locator('.rl-card canvas').first();
    // The tooltip at the plot's right end names the last step drawn.
    const lastStep = async () => {
      const box = (await canvas.boundingBox())!;
      await page.mouse.move(box.x + box.width - 40, box.y + box.height / 2);
      await page.waitForTimeout(150);
      return (await frame.locator('.rl-card').first().textContent()) ?? '';
    };
    await expect.poll(lastStep, { timeout: 20_000, interval: 500 }).toContain('step 77');
    console.log(`VS Code: a point logged by mlflow.log_metric was in the chart within ${Date.now() - logged} ms`);
    await shot('04-live-point');
  }, 120_000);

  it('“Add MLflow Server…” says what is wrong with a URI as it is typed', async () => {
    await palette('Add MLflow Server');
    await page.locator('.quick-input-widget input').fill('sqlite:///mlflow.db');
    const message = page.locator('.quick-input-widget .quick-input-message');
    await expect.poll(async () => (await message.textContent()) ?? '', { timeout: 10_000 }).toContain('is a sqlite URI');
    await shot('05-add-server-refuses');
    await page.keyboard.press('Escape');
  }, 60_000);

  it('pushes a local run to the declared team store from its menu; its row says synced, and the server has every point', async () => {
    // Selected alone first: with a server run also selected, VS Code's menu offers only what both allow.
    await treeRow('local baseline').click();
    await page.mouse.move(900, 600);
    await treeRow('local baseline').click({ button: 'right' });
    const item = page.locator('.context-view .monaco-menu .action-label', { hasText: 'Push to Team Store…' }).first();
    await item.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(500);
    await item.click();
    const local = page.locator('.pane-body .monaco-list-row', { hasText: 'local baseline' }).filter({ hasText: 'synced' }).first();
    await expect.poll(async () => (await local.textContent().catch(() => '')) ?? '', { timeout: 60_000 }).toContain('☁ synced');
    await shot('06-pushed-synced');
    const onServer = await mlflowPythonJson<{ runs: number; points: number }>(
      `import json, mlflow\nc = mlflow.MlflowClient()\nruns = c.search_runs([mlflow.get_experiment_by_name("mine").experiment_id], "attributes.run_name = 'local baseline'")\nprint(json.dumps({"runs": len(runs), "points": len(c.get_metric_history(runs[0].info.run_id, "loss"))}))`,
      mlflow.env,
    );
    expect(onServer).toEqual({ runs: 1, points: 30 });
  }, 120_000);
});
