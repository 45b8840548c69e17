// Runlane in a real VS Code (code-server from npm) driven in Debian's Chromium: the .vsix installed
// as a user installs it; the Runs tree lists a fixture store (a hostile name as text); Charts show
// lines; details open; a notebook cell runs through the "Runlane jobs" controller on the local target
// with two workers, both workers' prefixed lines arriving while it runs, then the run finished in the
// tree; a long job is cancelled from the tree. Screenshots: test/e2e/screenshots/vscode/.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonClient, StoreWriter } from '@runlane/core';
import { startCodeServer, vsix, type CodeServer } from './vscode/codeServer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots', 'vscode');
const XSS = '<img src=x onerror=alert(1)>';
const ready = existsSync(vsix) && existsSync(path.join(here, '../../.cache/code-server/cs/node_modules/.bin/code-server'));

let tmp: string;
let workspace: string;
let server: CodeServer;
let context: BrowserContext;
let page: Page;
const dialogs: string[] = [];

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

async function palette(text: string): Promise<void> {
  for (let i = 1; ; i++) {
    await page.mouse.click(700, 12); // the title bar: focus back in the workbench, out of any webview
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${text}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
    try {
      await row.waitFor({ timeout: 3000 });
      await page.keyboard.press('Enter');
      return;
    } catch (err) {
      await page.keyboard.press('Escape');
      if (i >= 5) throw err;
    }
  }
}

afterEach(async (ctx) => {
  if (ready && ctx.task.result?.state === 'fail') await shot(`failed-${ctx.task.name.slice(0, 30).replace(/\W+/g, '-')}`).catch(() => undefined);
});

const treeRow = (text: string) => page.locator('.pane-body .monaco-list-row', { hasText: text }).first();

beforeAll(async () => {
  if (!ready) throw new Error('The VS Code e2e test needs the .vsix (npm run build) and code-server (scripts/setup-code-server.sh); scripts/setup.sh installs both.');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-vscode-'));
  workspace = path.join(tmp, 'project');
  mkdirSync(workspace);
  const writer = await StoreWriter.open(path.join(workspace, '.runlane'));
  for (const [name, scale] of [['baseline lr=0.1', 1], [XSS, 0.8]] as const) {
    const id = await writer.createRun({ name, experiment: 'mlp', kind: 'script' });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    writer.appendEvent(id, { type: 'params', params: { lr: scale / 10, hidden: 64 } });
    writer.logMetrics(id, 'train/loss', Array.from({ length: 300 }, (_, s) => ({ step: s, value: scale * Math.exp(-s / 80) + 0.05 * Math.sin(s / 5), time: 1.7e9 + s })));
    writer.logMetrics(id, 'train/acc', Array.from({ length: 300 }, (_, s) => ({ step: s, value: 1 - scale * Math.exp(-s / 90) * 0.5, time: 1.7e9 + s })));
    writer.appendLog(id, 'stdout', `\x1b[32mtraining ${name}\x1b[0m\nepoch 1 done\n`);
    writer.appendEvent(id, { type: 'status', status: 'finished' });
  }
  const cell = (source: string) => ({ cell_type: 'code', id: `c${source.length}`, metadata: {}, execution_count: null, outputs: [], source });
  writeFileSync(
    path.join(workspace, 'jobs.ipynb'),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }, language_info: { name: 'python' } },
      cells: [cell('%%runlane --on local --workers 2 --name "two workers"\nimport os, time\nfor i in range(8):\n    print(f"rank {os.environ[\'RANK\']} step {i}", flush=True)\n    time.sleep(0.4)\n')],
    }),
  );
  server = await startCodeServer(tmp, workspace, { RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt'), RUNLANE_DIR: '' });
  context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (d) => {
    if (d.type() === 'beforeunload') return void d.accept(); // leaving with an unsaved notebook: the reload step
    dialogs.push(d.message());
    void d.dismiss();
  });
  mkdirSync(shots, { recursive: true });
}, 240_000);

afterAll(async () => {
  if (!ready) return;
  await context?.close();
  await server?.stop();
  try {
    process.kill((JSON.parse(readFileSync(path.join(tmp, 'rt', 'daemon.json'), 'utf8')) as { pid: number }).pid, 'SIGTERM');
  } catch {
    // no daemon
  }
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('Runlane in VS Code (code-server)', () => {
  it('lists the fixture runs in the Runs tree, names as text', async () => {
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    const icon = page.locator('.activitybar a[aria-label="Runlane"]');
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    await treeRow('baseline lr=0.1').waitFor({ timeout: 60_000 });
    expect(await treeRow(XSS).locator('.label-name').textContent()).toBe(XSS);
    await shot('01-runs-tree');
  }, 180_000);

  it('opens Charts with lines for the selected runs', async () => {
    await treeRow('baseline lr=0.1').click(); // opens its details (and selects it)
    await page.locator('.pane-header', { hasText: 'Runs' }).hover();
    await page.locator('.pane-header .action-label[aria-label="Open Charts"]').click();
    const frame = await inFrames('.rl-card canvas', 60_000).catch(async (err) => {
      await shot('failed-charts');
      console.log('FRAMES', page.frames().map((f) => f.url()).join('\n'), server.output().slice(-3000));
      throw err;
    });
    expect(await frame.locator('.rl-card').count()).toBeGreaterThanOrEqual(2);
    await page.waitForTimeout(800);
    await shot('02-charts');
  }, 90_000);

  it('opens the details of a run, with its params and coloured logs, the hostile name as text', async () => {
    await treeRow(XSS).click();
    const frame = await inFrames(`h2.rl-title:text-is(${JSON.stringify(XSS)})`, 60_000);
    await frame.locator('.rl-log span').first().waitFor({ timeout: 30_000 });
    expect(await frame.locator('h2.rl-title').textContent()).toBe(XSS);
    expect(await frame.locator('.rl-kv').first().textContent()).toContain('hidden');
    expect(await frame.locator('img[src="x"]').count()).toBe(0);
    await shot('03-details');
  }, 90_000);

  it('runs a notebook cell as a job on two workers with the Runlane controller, lines arriving live', async () => {
    await page.locator('.activitybar a[aria-label^="Explorer"]').click();
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'jobs.ipynb' }).click();
    await page.locator('.notebook-editor .cell-list-container').waitFor({ timeout: 60_000 });
    await page.locator('.notebook-editor').getByText('Run All', { exact: true }).first().click();
    const picker = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Runlane jobs' });
    if (await picker.first().isVisible({ timeout: 5000 }).catch(() => false)) await picker.first().click();
    const frame = await inFrames('text=[w1] rank 1 step 0', 90_000);
    const early = await frame.locator('body').innerText();
    expect(early).toContain('[w0] rank 0 step 0');
    expect(early).not.toContain('step 7'); // still running: the lines came live
    await shot('04-cell-streaming');
    await inFrames('text=[w1] rank 1 step 7', 60_000);
    await page.locator('.activitybar a[aria-label="Runlane"]').click();
    const row = treeRow('two workers');
    await row.waitFor({ timeout: 30_000 });
    await expect.poll(async () => row.locator('.codicon-pass-filled').count(), { timeout: 30_000 }).toBe(1);
    await shot('05-job-finished');
  }, 180_000);

  it('cancels a long job from the tree: it ends cancelled', async () => {
    const client = await DaemonClient.connect({ runtimeDir: path.join(tmp, 'rt'), start: false, store: path.join(workspace, '.runlane') });
    const { run_id } = await client.submitJob({ target: 'local', command: ['python3', '-c', 'import time; print("long", flush=True); time.sleep(120)'], workers: 1, gpusPerWorker: 0, name: 'long job' });
    const row = treeRow('long job');
    await row.locator('.codicon-sync').or(row.locator('.codicon-sync-spin')).or(row.locator('[class*="codicon-sync"]')).first().waitFor({ timeout: 30_000 });
    // The row's inline action. The row re-renders each second (elapsed time), which can swallow a
    // click under load (seen once with three test runs sharing two cores): click again until cancelled.
    await expect.poll(async () => {
      const status = (await client.run(run_id)).status;
      if (status === 'running' || status === 'queued') {
        await row.hover();
        await row.locator('.action-label[aria-label="Cancel Job"]').click({ timeout: 5000 }).catch(() => undefined);
      }
      return status;
    }, { timeout: 45_000, intervals: [3000] }).toBe('cancelled');
    await row.locator('.codicon-circle-slash').waitFor({ timeout: 30_000 });
    await shot('06-cancelled');
    expect(dialogs).toEqual([]);
  }, 120_000);

  it('restores the charts and details panels after the window reloads', async () => {
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    await page.locator('.tab', { hasText: 'Charts: baseline lr=0.1' }).first().click({ timeout: 60_000 });
    const frame = await inFrames('.rl-card canvas', 60_000);
    expect(await frame.locator('.rl-card').count()).toBeGreaterThanOrEqual(2);
    await shot('07-restored-after-reload');
  }, 150_000);
});
