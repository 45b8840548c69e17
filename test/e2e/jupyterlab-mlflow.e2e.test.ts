// A team's MLflow server in a real JupyterLab, driven in Chromium: a real MLflow tracking server
// (sqlite, one per file) with runs logged by a plain `mlflow` Python script, declared in the
// project's runlane.toml. The Runs sidebar shows the server beside the local store (its chip names
// the host, a click on it shows its runs alone), its run's charts (beside a local run, in one chart)
// and details; a point the script logs afterwards reaches the open chart within seconds (read back
// from the card's CSV, as a user would export it); "+ MLflow" refuses what is not a server URI, and a
// server that wants credentials (MLflow's basic-auth app) gets the sentence naming the variables.
// Screenshots go to test/e2e/screenshots/jupyterlab-mlflow/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreWriter } from '@runlane/core';
import { stopDaemonIn } from '../helpers/daemon.js';
import { mlflowPythonJson, runMlflowPython } from '../helpers/mlflowPython.js';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflowServer.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startLab, type Lab } from './jupyterlab/lab.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(process.env.RUNLANE_SCREENSHOTS ?? path.join(here, 'screenshots'), 'jupyterlab-mlflow');

let tmp: string;
let folder: string;
let server: MlflowServer;
/** A server with MLflow's basic-auth app, whose credentials the daemon was not given. */
let locked: MlflowServer;
let lab: Lab;
let browser: Browser;
let page: Page;
let liveRun: string;
const consoleErrors: string[] = [];

/** What a team member's script logs: a finished run with params, tags and a curve, and a running one. */
const TEAM_SCRIPT = `
import json, mlflow
mlflow.set_experiment("team-exp")
with mlflow.start_run(run_name="team baseline") as r:
    mlflow.log_params({"lr": 0.01, "optimizer": "adam"})
    mlflow.set_tag("owner", "alice")
    for s in range(30):
        mlflow.log_metric("loss", 1.0 / (s + 1), step=s)
    done = r.info.run_id
# Still running when the script ends (the client API: mlflow's atexit hook would end a fluent run).
client = mlflow.MlflowClient()
live = client.create_run(mlflow.get_experiment_by_name("team-exp").experiment_id, run_name="team live")
for s in range(5):
    client.log_metric(live.info.run_id, "loss", 2.0 / (s + 1), step=s)
print(json.dumps({"done": done, "live": live.info.run_id}))
`;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

/** The rows of the sidebar, by name. */
const row = (name: string) => page.locator('.rl-run-row', { hasText: name }).first();

beforeAll(async () => {
  tmp = makeTempDir('lab-mlflow');
  folder = path.join(tmp, 'work');
  mkdirSync(folder);
  [server, locked] = await Promise.all([startMlflowServer({ dir: path.join(tmp, 'mlflow') }), startMlflowServer({ dir: path.join(tmp, 'locked'), auth: { adminPassword: 'team-secret-1' } })]);
  const ids = await mlflowPythonJson<{ done: string; live: string }>(TEAM_SCRIPT, server.env);
  liveRun = ids.live;
  // The project declares the team's server: the sidebar shows it without anyone typing its URI.
  writeFileSync(path.join(folder, 'runlane.toml'), `[stores.team]\nkind = "mlflow"\nuri = "${server.uri}"\n`);
  const writer = await StoreWriter.open(path.join(folder, '.runlane'));
  const local = await writer.createRun({ name: 'local baseline', experiment: 'mine', kind: 'script' });
  writer.appendEvent(local, { type: 'status', status: 'running' });
  writer.logMetrics(local, 'loss', Array.from({ length: 30 }, (_, s) => ({ step: s, value: 1.5 / (s + 1), time: 1.7e9 + s })));
  writer.appendEvent(local, { type: 'status', status: 'finished' });
  const settingsDir = path.join(tmp, 'lab-settings');
  mkdirSync(path.join(settingsDir, '@jupyterlab', 'apputils-extension'), { recursive: true });
  writeFileSync(path.join(settingsDir, '@jupyterlab', 'apputils-extension', 'notification.jupyterlab-settings'), '{"fetchNews": "false"}');
  lab = await startLab(folder, {
    RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt'),
    JUPYTER_CONFIG_DIR: path.join(tmp, 'jc'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'jr'),
    JUPYTERLAB_SETTINGS_DIR: settingsDir,
    JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
    RUNLANE_DIR: '',
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  mkdirSync(shots, { recursive: true });
}, 180_000);

afterAll(async () => {
  if (process.env.RUNLANE_E2E_DEBUG) console.log(consoleErrors.join('\n'), lab?.output());
  await browser?.close();
  await lab?.stop();
  await stopDaemonIn(path.join(tmp, 'rt'));
  await server?.stop();
  await locked?.stop();
  removeTempDir(tmp);
}, 60_000);

describe('a team MLflow server in JupyterLab', () => {
  it('lists the declared server beside the local store, chip named by its host; a chip click filters by source', async () => {
    await page.goto(lab.url('/lab'));
    await page.click('.jp-SideBar [data-id="runlane-runs"]', { timeout: 60_000 });
    await row('team baseline').waitFor({ timeout: 30_000 });
    await row('local baseline').waitFor();
    const host = new URL(server.uri).host;
    const chip = page.locator('.rl-source-mlflow');
    expect(await chip.textContent()).toContain(`MLflow: ${host}`);
    expect(await chip.getAttribute('title')).toContain('declared in runlane.toml as [stores.team]');
    expect(await row('team baseline').locator('.rl-row-facts').textContent()).toContain('team-exp');
    // Found in use: MLflow's system tags crowded the row (as chips "m…"), and "+ MLflow" sat past the sidebar's edge.
    expect(await row('team baseline').locator('.rl-tag').allTextContents()).toEqual(['owner: alice']);
    const sidebarBox = (await page.locator('.rl-sidebar').boundingBox())!;
    const addBox = (await page.locator('.rl-open-mlflow').boundingBox())!;
    expect(addBox.x + addBox.width).toBeLessThanOrEqual(sidebarBox.x + sidebarBox.width);
    await shot('01-server-beside-store');
    await chip.click();
    await expect.poll(() => page.locator('.rl-run-row', { hasText: 'local baseline' }).count(), { timeout: 5000 }).toBe(0);
    expect(await row('team live').isVisible()).toBe(true);
    await shot('02-only-the-server');
    await chip.click();
    await row('local baseline').waitFor({ timeout: 5000 });
  }, 120_000);

  it('shows a server run’s details: status, params, tags, metrics', async () => {
    await row('team baseline').dblclick();
    const details = page.locator('.rl-details-widget:visible');
    await details.locator('text=optimizer').first().waitFor({ timeout: 30_000 });
    const text = (await details.textContent()) ?? '';
    for (const word of ['lr', '0.01', 'adam', 'owner', 'alice', 'loss', 'finished']) expect(text).toContain(word);
    await shot('03-server-run-details');
  }, 60_000);

  it('charts a local run and a server run in one chart, and a point the script logs appears live', async () => {
    await row('local baseline').click();
    await row('team live').click({ modifiers: ['Control'] });
    await page.locator('.rl-sidebar .rl-primary').click();
    const charts = page.locator('.rl-charts-widget:visible');
    await charts.locator('.rl-card canvas').first().waitFor({ timeout: 30_000 });
    const legend = (await charts.locator('.rl-legend').textContent()) ?? '';
    expect(legend).toContain('local baseline');
    expect(legend).toContain('team live');
    await shot('04-local-and-server-in-one-chart');
    const started = Date.now();
    await runMlflowPython(`import mlflow\nmlflow.log_metric("loss", 0.123, step=77, run_id="${liveRun}")`, server.env);
    const logged = Date.now();
    // The card's CSV (what "CSV" downloads: run,metric,step,wall_time,value) has step 77 once the chart drew it.
    const csvHasStep = async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), charts.locator('.rl-card', { hasText: 'loss' }).first().locator('button', { hasText: 'CSV' }).click()]);
      return readFileSync(await download.path(), 'utf8').split('\n').some((line) => line.startsWith('team live,loss,77,') && line.endsWith(',0.123'));
    };
    await expect.poll(csvHasStep, { timeout: 15_000, interval: 500 }).toBe(true);
    const lag = Date.now() - logged;
    console.log(`a point logged by mlflow.log_metric was in the chart ${lag} ms after the script returned (${logged - started} ms to log it)`);
    expect(lag).toBeLessThan(10_000);
    await shot('05-live-point');
  }, 90_000);

  it('refuses a URI that is not a server with a sentence, and never takes a password into the settings', async () => {
    await page.locator('.rl-open-mlflow').click();
    await page.locator('.jp-Dialog input').fill('http://alice:secret@mlflow.example.com');
    await page.locator('.jp-Dialog button.jp-mod-accept').click();
    const error = page.locator('.jp-Dialog', { hasText: 'Add MLflow Server' });
    await error.locator('text=MLFLOW_TRACKING_PASSWORD').waitFor({ timeout: 10_000 });
    expect(await error.textContent()).not.toContain('secret');
    await shot('06-password-refused');
    await error.locator('button', { hasText: 'Close' }).click();
    expect(consoleErrors.filter((e) => !/favicon|Failed to load resource/.test(e))).toEqual([]);
  }, 60_000);

  it('adds a server that wants credentials: the sidebar says which variables to set, and nothing secret is asked for', async () => {
    await page.locator('.rl-open-mlflow').click();
    await page.locator('.jp-Dialog input').fill(locked.uri);
    await page.locator('.jp-Dialog button.jp-mod-accept').click();
    const notice = page.locator('.rl-notice', { hasText: locked.uri });
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toMatch(/MLFLOW_TRACKING_USERNAME[\s\S]*MLFLOW_TRACKING_PASSWORD|MLFLOW_TRACKING_TOKEN/);
    await shot('06b-credentials-needed');
    // Removed again with its chip's ×: the notice goes with it.
    await page.locator('.rl-source', { hasText: new URL(locked.uri).host }).locator('.rl-source-remove').click();
    await expect.poll(() => page.locator('.rl-notice', { hasText: locked.uri }).count(), { timeout: 10_000 }).toBe(0);
  }, 60_000);

  it('pushes a local run to the declared team store from its menu; its row says synced, and the server has every point', async () => {
    await row('local baseline').click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Push to Team Store…' }).first().click();
    // One store declared: no question asked. The row's mark follows the sync to "synced".
    const mark = page.locator('.rl-run-row', { hasText: 'local baseline' }).locator('.rl-row-sync:visible');
    await expect.poll(async () => (await mark.first().textContent().catch(() => '')) ?? '', { timeout: 60_000 }).toBe('synced');
    expect(await mark.first().getAttribute('title')).toContain(`Synced to ${new URL(server.uri).host}`);
    await shot('07-pushed-synced');
    const onServer = await mlflowPythonJson<{ runs: number; points: number }>(
      `import json, mlflow
c = mlflow.MlflowClient()
runs = c.search_runs([mlflow.get_experiment_by_name("mine").experiment_id], "attributes.run_name = 'local baseline'")
print(json.dumps({"runs": len(runs), "points": len(c.get_metric_history(runs[0].info.run_id, "loss"))}))`,
      server.env,
    );
    expect(onServer).toEqual({ runs: 1, points: 30 });
  }, 120_000);
});
