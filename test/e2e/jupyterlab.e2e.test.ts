// Runlane in a real JupyterLab (from PyPI, the extension installed as setup installs it) with a real
// ipykernel, driven in Debian's Chromium: the Runs sidebar lists the store, "Run Cell as Experiment"
// runs the demo's training cell (running, then finished, live), its charts and details open, automatic
// tracking turns an ordinary cell into a run, and a hostile run name stays text. Screenshots of each
// step go to test/e2e/screenshots/jupyterlab/ for a person to look at.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreWriter } from '@runlane/core';
import { startLab, type Lab } from './jupyterlab/lab.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots', 'jupyterlab');
const XSS = '<img src=x onerror=alert(1)>';

let tmp: string;
let lab: Lab;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const consoleErrors: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-lab-'));
  const folder = path.join(tmp, 'work');
  mkdirSync(folder);
  copyFileSync(path.join(here, '../../examples/demo.ipynb'), path.join(folder, 'demo.ipynb'));
  // A run from earlier, with a hostile name: it must show as text everywhere.
  const writer = await StoreWriter.open(path.join(folder, '.runlane'));
  const id = await writer.createRun({ name: XSS, experiment: 'security', kind: 'script' });
  writer.appendEvent(id, { type: 'status', status: 'running' });
  writer.appendEvent(id, { type: 'params', params: { lr: 0.2, note: '<b>bold?</b>' } });
  writer.logMetrics(id, 'loss', Array.from({ length: 50 }, (_, s) => ({ step: s, value: 1 / (s + 1), time: 1.7e9 + s })));
  writer.appendEvent(id, { type: 'status', status: 'finished' });
  // JupyterLab's own news prompt would cover part of every screenshot.
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
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
  if (process.env.RUNLANE_E2E_DEBUG) console.log(consoleErrors.join('\n'), lab?.output());
  await browser?.close();
  await lab?.stop();
  try {
    const info = JSON.parse(readFileSync(path.join(tmp, 'rt', 'daemon.json'), 'utf8')) as { pid: number };
    process.kill(info.pid, 'SIGTERM');
  } catch {
    // no daemon was started
  }
  rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('Runlane in JupyterLab', () => {
  it('opens the demo notebook with the Runs sidebar listing the store, names as text', async () => {
    await page.goto(lab.url('/lab/tree/demo.ipynb'));
    await page.waitForSelector('.jp-Notebook .jp-Cell', { timeout: 60_000 });
    await page.click('.jp-SideBar [data-id="runlane-runs"]');
    const row = page.locator('.rl-run-row').first();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('.rl-row-name').textContent()).toBe(XSS);
    await shot('01-sidebar');
  }, 120_000);

  it('runs a cell as an experiment: the picker, then the run live in the sidebar, running then finished', async () => {
    const cells = page.locator('.jp-Notebook .jp-CodeCell');
    await cells.nth(0).locator('.jp-InputPrompt').click();
    await page.keyboard.press('Shift+Enter'); // %load_ext runlane
    await cells.nth(1).locator('.jp-InputPrompt').click();
    // The command is in the cell's toolbar; the test uses its keyboard shortcut.
    await cells.nth(1).locator('.jp-cell-toolbar [data-command="runlane:run-cell-as-experiment"]').waitFor({ timeout: 10_000 });
    await page.keyboard.press('Control+Shift+Enter'); // Run Cell as Experiment
    const dialog = page.locator('.jp-Dialog');
    await dialog.waitFor();
    expect(await dialog.locator('.rl-target-choice').first().textContent()).toContain('This kernel');
    await shot('02-target-picker');
    await dialog.locator('button.jp-mod-accept').click();
    const run = page.locator('.rl-run-row', { hasText: 'mlp on two moons' });
    await run.locator('.rl-dot-running').waitFor({ timeout: 30_000 });
    await shot('03-running');
    await run.locator('.rl-dot-finished').waitFor({ timeout: 60_000 });
    expect(await run.locator('.rl-row-facts').textContent()).toMatch(/demo · .* · loss 0\.\d+/);
    const badge = cells.nth(1).locator('.rl-cell-badge');
    await badge.waitFor({ timeout: 10_000 });
    expect(await badge.textContent()).toContain('mlp on two moons');
    await badge.scrollIntoViewIfNeeded();
    await shot('04-finished-with-badge');
  }, 180_000);

  it('runs the demo job cell on two local workers, their prefixed lines streaming into the cell', async () => {
    const cell = page.locator('.jp-Notebook .jp-CodeCell').nth(2);
    await cell.locator('.jp-InputPrompt').click();
    await page.keyboard.press('Control+Shift+Enter');
    const dialog = page.locator('.jp-Dialog');
    await dialog.waitFor();
    expect(await dialog.locator('input[value="local"]').isChecked()).toBe(true); // the cell's own --on
    await dialog.locator('button.jp-mod-accept').click();
    const output = cell.locator('.jp-OutputArea');
    await output.getByText('[w1]').first().waitFor({ timeout: 60_000 });
    await page.locator('.rl-run-row', { hasText: 'two workers' }).locator('.rl-dot-finished').waitFor({ timeout: 60_000 });
    const text = await output.innerText();
    expect(text).toContain('[w0] worker 0 of 2: step 30/30');
    expect(text).toContain('[w1] worker 1 of 2: step 30/30');
    expect(text).toContain("'hidden': 32"); // rank 0's value, back in the kernel
    await cell.locator('.rl-cell-badge', { hasText: 'two workers' }).waitFor({ timeout: 10_000 }); // the job's run is the cell's
    await cell.scrollIntoViewIfNeeded();
    await shot('04b-job-cell');
  }, 150_000);

  it('opens the run in the charts with its points', async () => {
    await page.locator('.rl-run-row', { hasText: 'mlp on two moons' }).click();
    await page.locator('.rl-sidebar .rl-primary').click();
    const charts = page.locator('.rl-charts-widget:visible');
    await charts.locator('.rl-card canvas').first().waitFor({ timeout: 30_000 });
    expect(await charts.locator('.rl-card').count()).toBeGreaterThanOrEqual(2); // loss and acc
    await page.waitForTimeout(500);
    await shot('05-charts');
  }, 60_000);

  it('opens the run details with the captured params and source', async () => {
    await page.locator('.rl-run-row', { hasText: 'mlp on two moons' }).dblclick();
    const details = page.locator('.rl-details-widget:visible');
    await details.locator('h2.rl-title').waitFor({ timeout: 30_000 });
    expect(await details.locator('h2.rl-title').textContent()).toBe('mlp on two moons');
    const params = await details.locator('.rl-kv').first().textContent();
    expect(params).toContain('lr');
    expect(params).toContain('0.5');
    expect(await details.locator('.rl-source').textContent()).toContain('%%runlane --name "mlp on two moons"');
    await details.locator('.rl-log').first().waitFor();
    expect(await details.locator('.rl-log').first().textContent()).toContain('epoch 149');
    await shot('06-details');
  }, 60_000);

  it('re-runs the cell with an edited param from the context menu, and diffs it against the previous run', async () => {
    await page.locator('.rl-run-row', { hasText: 'mlp on two moons' }).click({ button: 'right' });
    await page.locator('.lm-Menu-item', { hasText: 'Re-run with Edited Params' }).click();
    const box = page.locator('.jp-Dialog textarea.rl-edit-json');
    await box.waitFor();
    expect(JSON.parse(await box.inputValue())).toMatchObject({ lr: 0.5, epochs: 150 });
    await box.fill(JSON.stringify({ lr: 0.3, epochs: 150, hidden: 32, seed: 0, n: 1000 }));
    await page.locator('.jp-Dialog button.jp-mod-accept').click();
    // The cell now says lr = 0.3 and ran again: a second run of the same cell.
    await expect.poll(async () => page.locator('.rl-run-row', { hasText: 'mlp on two moons' }).count(), { timeout: 60_000 }).toBe(2);
    const newest = page.locator('.rl-run-row', { hasText: 'mlp on two moons' }).first();
    await newest.locator('.rl-dot-finished').waitFor({ timeout: 60_000 });
    await newest.dblclick();
    const details = page.locator('.rl-details-widget:visible');
    await details.locator('.rl-diff-toggle input').waitFor({ timeout: 30_000 });
    expect(await details.locator('.rl-kv').first().textContent()).toContain('0.3');
    await details.locator('.rl-diff-toggle input').check();
    expect(await details.locator('.rl-diff .rl-removed').allTextContents()).toContain('- lr = 0.5');
    expect(await details.locator('.rl-diff .rl-added').allTextContents()).toContain('+ lr = 0.3');
    await details.locator('.rl-diff').scrollIntoViewIfNeeded();
    await shot('07-rerun-diff');
  }, 150_000);

  it('turns automatic tracking on: an ordinary cell that logs becomes a run', async () => {
    await page.locator('.lm-TabBar-tab', { hasText: 'demo.ipynb' }).click();
    await page.locator('.jp-NotebookPanel:visible .rl-auto-switch select').first().selectOption('all');
    const cells = page.locator('.jp-Notebook .jp-CodeCell');
    const last = cells.last();
    await last.locator('.jp-InputPrompt').click();
    await page.keyboard.press('b'); // a new cell below
    await page.keyboard.press('Enter');
    // No indented lines: the editor indents as it is typed into.
    await page.keyboard.type('import runlane as rl\nrl.log(acc=0.4)\nrl.log(acc=0.8)\nprint("an ordinary cell")');
    await page.keyboard.press('Shift+Enter');
    await page.locator('.rl-run-row .rl-row-facts', { hasText: 'acc 0.8' }).waitFor({ timeout: 30_000 }).catch(async (err) => {
      await shot('failed-auto-tracking');
      throw err;
    });
    const badge = cells.last().locator('.rl-cell-badge');
    await badge.waitFor({ timeout: 10_000 });
    expect(await badge.textContent()).toContain('acc 0.8');
    await shot('08-auto-tracking');
  }, 90_000);

  it('shows a hostile run name as text in the details too, and nothing ran', async () => {
    await page.locator('.rl-run-row', { hasText: XSS }).dblclick();
    const details = page.locator('.rl-details-widget:visible');
    await details.locator('h2.rl-title').waitFor();
    expect(await details.locator('h2.rl-title').textContent()).toBe(XSS);
    expect(await details.locator('.rl-kv').first().textContent()).toContain('<b>bold?</b>');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await shot('09-hostile-name');
  }, 60_000);

  it('follows the dark theme', async () => {
    await page.locator('.lm-MenuBar-itemLabel', { hasText: 'Settings' }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: 'Theme' }).first().hover();
    await page.locator('.lm-Menu-itemLabel').getByText('JupyterLab Dark', { exact: true }).first().click();
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', undefined, { timeout: 30_000 });
    await page.locator('.lm-TabBar-tab', { hasText: 'Charts' }).first().click();
    await page.locator('.rl-charts-widget:visible .rl-root.rl-dark').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(600);
    await shot('10-dark-charts');
  }, 60_000);
});
