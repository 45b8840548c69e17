// The shared charts in real Chromium: fixture runs and a real PyTorch TensorBoard log directory side
// by side, cards grouped by prefix, the tooltip, live points, names shown as text, light and dark
// screenshots saved for a person to look at (test/e2e/screenshots/).
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreWriter } from '@runlane/core';
import { startHarness, type Harness } from './charts/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = path.join(here, 'screenshots');

let tmp: string;
let store: string;
let logdir: string;
let harness: Harness;
let browser: Browser;
let writer: StoreWriter;
let liveRun: string;

function curve(seed: number, steps: number, scale: number): { step: number; value: number; time: number }[] {
  let x = seed;
  const noise = () => ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5) * 0.25;
  return Array.from({ length: steps }, (_, step) => ({ step, value: scale * Math.exp(-step / 600) + 0.1 + noise() * scale * 0.4, time: 1.7e9 + step * 0.5 }));
}

async function fixtureRun(name: string, params: Record<string, unknown>, seed: number, scale: number, finished = true): Promise<string> {
  const id = await writer.createRun({ name, experiment: 'mlp', kind: 'cell' });
  writer.appendEvent(id, { type: 'status', status: 'running' });
  writer.appendEvent(id, { type: 'params', params });
  const loss = curve(seed, 2000, scale);
  if (seed === 2) {
    loss[700]!.value = NaN;
    loss[1200]!.value = Infinity;
  }
  writer.logMetrics(id, 'train/loss', loss);
  writer.logMetrics(id, 'val/loss', curve(seed + 10, 2000, scale * 1.1).filter((p) => p.step % 50 === 0));
  writer.logMetrics(id, 'train/acc', curve(seed + 20, 2000, 0.5).map((p) => ({ ...p, value: 1 - p.value })));
  if (finished) writer.appendEvent(id, { type: 'status', status: 'finished' });
  return id;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-charts-'));
  store = path.join(tmp, 'store');
  logdir = path.join(tmp, 'tensorboard');
  cpSync(path.join(here, '../fixtures/tfevents/pytorch/default'), path.join(logdir, 'pytorch-run'), { recursive: true });
  writer = await StoreWriter.open(store);
  await fixtureRun('baseline lr=0.1', { lr: 0.1, hidden: 64, optimizer: 'sgd' }, 1, 1.0);
  await fixtureRun('wider lr=0.03', { lr: 0.03, hidden: 256, optimizer: 'adam' }, 2, 0.8);
  liveRun = await fixtureRun('<img src=x onerror=alert(1)> live', { lr: 0.01, hidden: 128, optimizer: 'adam' }, 3, 0.9, false);
  harness = await startHarness(store);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  mkdirSync(screenshots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function open(theme: 'light' | 'dark'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => errors.push(`dialog: ${d.message()}`));
  const q = new URLSearchParams([['store', store], ['logdir', logdir], ['theme', theme]]);
  await page.goto(`${harness.url}?${q}`);
  await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
  await page.waitForTimeout(300);
  expect(errors).toEqual([]);
  return page;
}

describe('charts panel in Chromium', () => {
  it('shows native and TensorBoard runs side by side, grouped by prefix, names as text', async () => {
    const page = await open('light');
    const groups = await page.$$eval('.rl-group > summary', (els) => els.map((e) => e.firstChild?.textContent));
    expect(groups).toEqual(['train', 'val', 'other']);
    const cards = await page.$$eval('.rl-card', (els) => els.map((e) => (e as HTMLElement).dataset.key));
    expect(cards).toEqual(expect.arrayContaining(['train/loss', 'train/acc', 'val/loss', 'lr']));
    const legend = await page.$$eval('.rl-legend-item', (els) => els.map((e) => e.textContent));
    expect(legend).toHaveLength(4);
    expect(legend.join('|')).toContain('<img src=x onerror=alert(1)> live');
    expect(await page.$$('.rl-legend img, .rl-compare img')).toHaveLength(0);
    expect(await page.$$eval('.rl-compare tr.rl-differs td:first-child', (els) => els.map((e) => e.textContent))).toEqual(['hidden', 'lr', 'optimizer']);
    await page.screenshot({ path: path.join(screenshots, 'charts-light.png'), fullPage: true });
    await page.close();
  });

  it('lists every run at the hovered step in the tooltip, largest first', async () => {
    const page = await open('light');
    const chart = await page.$('.rl-card[data-key="train/loss"] .rl-chart');
    const box = (await chart!.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.waitForTimeout(300);
    const tooltip = await page.evaluate(() => [...document.querySelectorAll('div')].find((d) => d.textContent?.startsWith('step '))?.innerText ?? '');
    expect(tooltip).toMatch(/^step \d+/);
    const names = ['baseline lr=0.1', 'wider lr=0.03', '<img src=x onerror=alert(1)> live'].filter((n) => tooltip.includes(n));
    expect(names).toHaveLength(3);
    const values = [...tooltip.matchAll(/: ([-\d.e+]+)/g)].map((m) => Number(m[1]));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    await page.close();
  });

  it('appends live points from the feed to the running run, and looks right in dark', async () => {
    const page = await open('dark');
    const lastStep = () =>
      page.evaluate((id) => {
        const panel = (window as unknown as { runlane: { panel: { series: Map<string, Map<string, { steps: number[] }>> } } }).runlane.panel;
        const byRun = panel.series.get('train/loss')!;
        const key = [...byRun.keys()].find((k) => k.endsWith(`::${id}`))!;
        return byRun.get(key)!.steps.at(-1);
      }, liveRun);
    expect(await lastStep()).toBe(1999);
    writer.logMetrics(liveRun, 'train/loss', Array.from({ length: 50 }, (_, i) => ({ step: 2000 + i, value: 0.2, time: 1.7e9 + 1000 + i })));
    await expect.poll(lastStep, { timeout: 5000 }).toBe(2049);
    await page.screenshot({ path: path.join(screenshots, 'charts-dark.png'), fullPage: true });
    await page.close();
  });
});
