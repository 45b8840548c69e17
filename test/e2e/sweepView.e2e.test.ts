// The sweep view in real Chromium over a real daemon (the charts harness: no editor to start): a store
// holding a sweep as the controller writes it (the sweep run tagged runlane.sweep.role=sweep with its
// sweep.* params; trials tagged runlane.sweep / runlane.sweep.trial, one pruned with
// runlane.pruned_step, one failed, one still running), written with StoreWriter (./sweep/writeSweep.ts). The trials table, the
// best so far, the parallel coordinates with the best trial highlighted, every trial's curves; a trial
// that ends while the view is open shows up live. Screenshots go to test/e2e/screenshots/.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreWriter } from '@runlane/core';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startHarness, type Harness } from './charts/harness.js';
import { writeSweep, type WrittenSweep } from './sweep/writeSweep.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = process.env.RUNLANE_SCREENSHOTS ?? path.join(here, 'screenshots');

let tmp: string;
let store: string;
let harness: Harness;
let browser: Browser;
let writer: StoreWriter;
let sweepId: string;
let otherId: string; // a run outside any sweep
let ids: Map<number, string>; // trial number -> run id
let trial: WrittenSweep['trial'];

beforeAll(async () => {
  tmp = makeTempDir('sweep-view');
  store = path.join(tmp, 'store');
  writer = await StoreWriter.open(store);
  const sweep = await writeSweep(writer, 'lr search');
  sweepId = sweep.sweepId;
  ids = sweep.trials;
  trial = sweep.trial;
  otherId = await writer.createRun({ name: 'plain run', experiment: 'sweeps', kind: 'script' });
  writer.appendEvent(otherId, { type: 'status', status: 'finished' });
  harness = await startHarness(store, path.join(here, 'charts/sweepPage.ts'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
  mkdirSync(screenshots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  removeTempDir(tmp);
});

async function open(theme: 'light' | 'dark'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1500 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${harness.url}?${new URLSearchParams([['store', store], ['sweep', sweepId], ['theme', theme]])}`);
  await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
  await page.waitForSelector('table.rl-sweep-trials tr[data-trial]');
  expect(errors).toEqual([]);
  return page;
}

/** The sweep view's curves panel as the page holds it (private fields, read by the zoom test). */
type Curves = { cards: Map<string, { chart: { dispatchAction(a: object): void; getOption(): { dataZoom: { start: number; end: number }[] } } }> };

const rows = (page: Page) => page.locator('table.rl-sweep-trials tr[data-trial]').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));

describe('the sweep view in Chromium', () => {
  it('shows the trials (pruned at which step), the best, the best so far, parallel coordinates and every trial\'s curves; a trial ending shows live', async () => {
    const page = await open('light');
    const table = await rows(page);
    expect(table.map((r) => [r[0], r[1], r[2], r[3]])).toEqual([
      ['0', 'finished', '1', '0.001'], ['1', 'finished', '2', '0.03'], ['2', 'pruned at step 2', '3', '0.09'], ['3', 'failed', '1', '0.0002'], ['4', 'running', '2', '0.01'],
    ]);
    expect(await page.locator('table.rl-sweep-trials th').allTextContents()).toEqual(['#', 'state', 'layers', 'lr', 'val/loss', 'duration']);
    expect(await page.locator('tr.rl-sweep-best').getAttribute('data-trial')).toBe('1');
    expect(await page.locator('tr[data-trial="2"]').getAttribute('title')).toMatch(/median rule/);
    expect(await page.locator('.rl-sweep-best-line').textContent()).toBe('Best: trial 1 = 0.31 (layers=2, lr=0.03)');
    expect(await page.locator('.rl-sweep-summary').textContent()).toContain('4 of 6 trials done');
    // The charts: the best so far and the parallel coordinates are drawn (canvas), the curves panel shows the trials' val/loss.
    await page.waitForSelector('.rl-sweep-best-chart canvas');
    await page.waitForSelector('.rl-sweep-parallel canvas');
    await expect.poll(() => page.locator('.rl-sweep-curves .rl-legend').textContent()).toContain('trial 4');
    await page.screenshot({ path: path.join(screenshots, 'sweep-view.png'), fullPage: true });
    // Trial 4 ends as the best and trial 5 starts while the view is open.
    writer.logMetric(ids.get(4)!, 'val/loss', 4, 0.2);
    writer.appendEvent(ids.get(4)!, { type: 'status', status: 'finished', exit_code: 0 });
    await trial(5, 0.02, 3, 0.6, 1, 'running', 0);
    await expect.poll(() => page.locator('tr.rl-sweep-best').getAttribute('data-trial'), { timeout: 30_000 }).toBe('4');
    await expect.poll(async () => (await rows(page)).length, { timeout: 30_000 }).toBe(6);
    expect(await page.locator('.rl-sweep-best-line').textContent()).toBe('Best: trial 4 = 0.2 (layers=2, lr=0.01)');
    await page.click('text=Open curves in Charts');
    expect(await page.evaluate(() => (window as unknown as { runlane: { opened: string[][] } }).runlane.opened[0]!.length)).toBe(6);
    await page.close();
    const dark = await open('dark');
    await dark.waitForSelector('.rl-sweep-parallel canvas');
    await expect.poll(() => dark.locator('.rl-sweep-curves .rl-legend').textContent()).toContain('trial 5');
    await dark.screenshot({ path: path.join(screenshots, 'sweep-view-dark.png'), fullPage: true });
    await dark.close();
  }, 120_000);

  // Issue 16: the curves panel was made anew whenever a trial started, so a zoom into the curves and
  // the trials hidden in their legend were lost at every new trial of a live sweep.
  it('keeps the curves\' zoom and the trials hidden in their legend when a new trial starts', async () => {
    const page = await open('light');
    await expect.poll(() => page.locator('.rl-sweep-curves .rl-legend-item').count()).toBeGreaterThanOrEqual(5);
    await page.waitForSelector('.rl-sweep-curves .rl-card canvas');
    const zoom = () => page.evaluate(() => {
      const curves = (window as unknown as { runlane: { view: { curves: Curves } } }).runlane.view.curves;
      const z = curves.cards.get('val/loss')!.chart.getOption().dataZoom[0]!;
      return [Math.round(z.start), Math.round(z.end)];
    });
    await page.evaluate(() => {
      const curves = (window as unknown as { runlane: { view: { curves: Curves } } }).runlane.view.curves;
      curves.cards.get('val/loss')!.chart.dispatchAction({ type: 'dataZoom', start: 20, end: 60 });
    });
    expect(await zoom()).toEqual([20, 60]);
    const hidden = () => page.locator('.rl-sweep-curves .rl-legend-item').filter({ hasText: 'trial 0' }).getAttribute('class');
    await page.locator('.rl-sweep-curves .rl-legend-item').filter({ hasText: 'trial 0' }).click();
    await expect.poll(hidden).toContain('rl-hidden');
    await trial(6, 0.004, 1, 0.4, 3, 'running', 0);
    await expect.poll(() => page.locator('.rl-sweep-curves .rl-legend').textContent(), { timeout: 30_000 }).toContain('trial 6');
    expect(await zoom()).toEqual([20, 60]);
    expect(await hidden()).toContain('rl-hidden');
    await page.close();
  }, 60_000);

  it('opens from a trial\'s details and from the sweep run\'s: "Open sweep" names the sweep', async () => {
    for (const id of [ids.get(2)!, sweepId]) {
      const page = await browser.newPage();
      await page.goto(`${harness.url}?${new URLSearchParams([['store', store], ['details', id]])}`);
      await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
      await page.getByRole('button', { name: 'Open sweep' }).click();
      expect(await page.evaluate(() => (window as unknown as { runlane: { sweeps: unknown[] } }).runlane.sweeps)).toEqual([{ source: store, id: sweepId }]);
      await page.close();
    }
    const page = await browser.newPage(); // a run outside any sweep has no such button
    await page.goto(`${harness.url}?${new URLSearchParams([['store', store], ['details', otherId]])}`);
    await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
    await page.getByRole('button', { name: 'Charts' }).or(page.locator('.rl-details h2')).first().waitFor();
    expect(await page.getByRole('button', { name: 'Open sweep' }).count()).toBe(0);
    await page.close();
  }, 60_000);
});
