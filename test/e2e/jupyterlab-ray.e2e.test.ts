// A notebook cell run on a real Ray head from a real JupyterLab in Chromium: `%%runlane --on ray
// --workers 2` with Shift+Enter, every worker's lines streaming into the cell with their [w0]/[w1]
// prefixes (none of Ray's own), a progress line redrawn in place, the run's line finishing on ray,
// and rank 0's value coming back. Ray comes from .cache/ray-venv (scripts/setup-ray.sh).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopDaemonIn } from '../helpers/daemon.js';
import { startRayHead, type RayHead } from '../helpers/rayHead.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startLab, type Lab } from './jupyterlab/lab.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(process.env.RUNLANE_SCREENSHOTS ?? path.join(here, 'screenshots'), 'jupyterlab');

const RAY_CELL = [
  '%%runlane --on ray --workers 2 --name "ray pair"',
  'import os, sys, time',
  'import runlane as rl',
  'rank = int(os.environ["RANK"])',
  'for i in range(1, 6):',
  '    rl.log(loss=1.0 / i, step=i)',
  '    sys.stdout.write("\\rprogress %d/5" % i)',
  '    sys.stdout.flush()',
  '    time.sleep(0.4)',
  'print()',
  'print("worker", rank, "of", os.environ["WORLD_SIZE"], "gpus", repr(os.environ["CUDA_VISIBLE_DEVICES"]))',
  '{"rank": rank, "answer": 42}',
].join('\n');

function notebook(): string {
  const cell = (id: string, source: string) => ({ cell_type: 'code', id, metadata: {}, execution_count: null, outputs: [], source });
  return JSON.stringify({
    cells: [cell('load', '%load_ext runlane'), cell('ray', RAY_CELL)],
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

let tmp: string;
let head: RayHead;
let lab: Lab;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  tmp = makeTempDir('lab-ray');
  const folder = path.join(tmp, 'work');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'ray.ipynb'), notebook());
  const settingsDir = path.join(tmp, 'lab-settings');
  mkdirSync(path.join(settingsDir, '@jupyterlab', 'apputils-extension'), { recursive: true });
  writeFileSync(path.join(settingsDir, '@jupyterlab', 'apputils-extension', 'notification.jupyterlab-settings'), '{"fetchNews": "false"}');
  // The head and JupyterLab come up side by side (each takes several seconds).
  const labStarted = startLab(folder, {
    RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt'),
    JUPYTER_CONFIG_DIR: path.join(tmp, 'jc'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'jr'),
    JUPYTERLAB_SETTINGS_DIR: settingsDir,
    JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
    RUNLANE_DIR: '',
  });
  head = await startRayHead({ dir: tmp, numCpus: 2, numGpus: 2 });
  writeFileSync(path.join(folder, 'runlane.toml'), `[targets.ray]\nkind = "ray"\naddress = "${head.address}"\npython = "${head.python}"\n`);
  lab = await labStarted;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  mkdirSync(shots, { recursive: true });
}, 180_000);

afterAll(async () => {
  if (process.env.RUNLANE_E2E_DEBUG) console.log(lab?.output());
  await browser?.close();
  await lab?.stop();
  await stopDaemonIn(path.join(tmp, 'rt'));
  await head?.stop();
  removeTempDir(tmp);
}, 60_000);

describe('a Ray cell in JupyterLab', () => {
  it('runs on two Ray workers, their prefixed lines and progress streaming into the cell, and its value back', async () => {
    await page.goto(lab.url('/lab/tree/ray.ipynb'));
    await page.locator('.jp-NotebookPanel:visible .jp-Notebook-ExecutionIndicator[data-status="idle"]').waitFor({ timeout: 90_000 });
    const cells = page.locator('.jp-Notebook .jp-CodeCell');
    // JupyterLab may swap the notebook's first kernel for another as it opens, and a Shift+Enter sent
    // meanwhile is dropped: run the first cell until its prompt shows it ran.
    await expect
      .poll(async () => {
        if ((await cells.nth(0).locator('.jp-InputPrompt').innerText()).includes('[1]')) return true;
        await cells.nth(0).locator('.jp-InputPrompt').click();
        await page.keyboard.press('Shift+Enter'); // %load_ext runlane
        await page.waitForTimeout(3000);
        return (await cells.nth(0).locator('.jp-InputPrompt').innerText()).includes('[1]');
      }, { timeout: 90_000, interval: 500 })
      .toBe(true);
    await cells.nth(1).locator('.jp-InputPrompt').click();
    await page.keyboard.press('Shift+Enter'); // the Ray cell
    const output = cells.nth(1).locator('.jp-OutputArea');
    // Live: a worker's progress shows while the job still runs (its run line says running).
    try {
      await output.getByText(/\[w[01]\] progress [1-4]\/5/).first().waitFor({ timeout: 120_000 });
    } catch (err) {
      await page.screenshot({ path: path.join(shots, 'failed-ray-cell.png') });
      console.log(await output.innerText().catch(() => ''), lab.output().slice(-3000));
      throw err;
    }
    await cells.nth(1).locator('.rl-run-output', { hasText: 'ray pair' }).locator('.rl-dot-running').waitFor({ timeout: 10_000 });
    await cells.nth(1).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, '20-ray-cell-running.png') });
    await cells.nth(1).locator('.rl-run-output', { hasText: 'ray pair' }).locator('.rl-dot-finished').waitFor({ timeout: 120_000 });
    await output.getByText("'answer': 42").waitFor({ timeout: 10_000 });
    const text = await output.innerText();
    expect(text).toContain("[w0] worker 0 of 2 gpus ''");
    expect(text).toContain("[w1] worker 1 of 2 gpus ''");
    expect(text).toContain("{'rank': 0, 'answer': 42}"); // rank 0's value, back in the kernel
    // The progress line was redrawn in place: its last state, not five lines of it.
    expect(text.match(/\[w0\] progress/g)?.length ?? 0).toBeLessThanOrEqual(1);
    for (const noise of ['pid=', 'repeated', 'RankWorker', 'RL ']) expect(text).not.toContain(noise);
    expect(await cells.nth(1).locator('.rl-run-output-facts').textContent()).toContain('on ray');
    await cells.nth(1).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, '21-ray-cell-finished.png') });
  }, 300_000);
});
