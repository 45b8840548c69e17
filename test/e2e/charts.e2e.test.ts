// The shared charts in real Chromium: fixture runs (two with the same name, an interrupted and a
// cancelled one, a job whose two ranks both log) and a real PyTorch TensorBoard log directory side by
// side, cards grouped by prefix and filling the width, resizing, the tooltip, live points, PNG and
// CSV exports, remembered choices; light and dark screenshots saved for a person to look at
// (test/e2e/screenshots/).
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { StoreWriter } from '@runlane/core';
import { startHarness, type Harness } from './charts/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const screenshots = process.env.RUNLANE_SCREENSHOTS ?? path.join(here, 'screenshots'); // scripts/test.sh: .cache/screenshots

let tmp: string;
let store: string;
let logdir: string;
let harness: Harness;
let browser: Browser;
let writer: StoreWriter;
let rank1: StoreWriter;
let liveRun: string;
let jobRun: string;
const baselines: string[] = [];

function curve(seed: number, steps: number, scale: number): { step: number; value: number; time: number }[] {
  let x = seed;
  const noise = () => ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5) * 0.25;
  return Array.from({ length: steps }, (_, step) => ({ step, value: scale * Math.exp(-step / 600) + 0.1 + noise() * scale * 0.4, time: 1.7e9 + step * 0.5 }));
}

async function fixtureRun(name: string, params: Record<string, unknown>, seed: number, scale: number, status: string | null = 'finished'): Promise<string> {
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
  if (status) writer.appendEvent(id, { type: 'status', status } as never);
  return id;
}

beforeAll(async () => {
  tmp = makeTempDir('charts');
  store = path.join(tmp, 'store');
  logdir = path.join(tmp, 'tensorboard');
  cpSync(path.join(here, '../fixtures/tfevents/pytorch/default'), path.join(logdir, 'pytorch-run'), { recursive: true });
  writer = await StoreWriter.open(store, { rank: 0 });
  rank1 = await StoreWriter.open(store, { rank: 1 });
  baselines.push(await fixtureRun('baseline lr=0.1', { lr: 0.1, hidden: 64, optimizer: 'sgd' }, 1, 1.0));
  await fixtureRun('wider lr=0.03', { lr: 0.03, hidden: 256, optimizer: 'adam' }, 2, 0.8);
  liveRun = await fixtureRun('<img src=x onerror=alert(1)> live', { lr: 0.01, hidden: 128, optimizer: 'adam' }, 3, 0.9, null);
  baselines.push(await fixtureRun('baseline lr=0.1', { lr: 0.1, hidden: 64, optimizer: 'adam' }, 4, 1.2, 'interrupted'));
  // A job: rank 0 logs with `writer` (r0-...), rank 1 with its own writer (r1-...), same key, same steps.
  jobRun = await fixtureRun('two ranks', { lr: 0.05, hidden: 64, optimizer: 'sgd' }, 5, 0.7, 'cancelled');
  rank1.logMetrics(jobRun, 'train/loss', curve(6, 2000, 1.4));
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
  removeTempDir(tmp);
});

type PanelHandle = {
  series: Map<string, Map<string, { steps: number[] }>>;
  cards: Map<string, { chart: { getModel(): { getComponent(t: string, i: number): { axis: { scale: { getExtent(): number[] } } } } } }>;
  cardData(key: string): { series: { label: string; runKey: string; steps: number[]; band?: unknown }[] };
};

async function open(theme: 'light' | 'dark', page?: Page): Promise<Page> {
  page ??= await browser.newPage({ viewport: { width: 1400, height: 1000 } });
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

/** The x and y extents echarts drew for a card. */
function extents(page: Page, key: string): Promise<{ x: number[]; y: number[] }> {
  return page.evaluate((k) => {
    const panel = (window as unknown as { runlane: { panel: PanelHandle } }).runlane.panel;
    const model = panel.cards.get(k)!.chart.getModel();
    return { x: model.getComponent('xAxis', 0).axis.scale.getExtent(), y: model.getComponent('yAxis', 0).axis.scale.getExtent() };
  }, key);
}

function labels(page: Page, key: string): Promise<string[]> {
  return page.evaluate((k) => (window as unknown as { runlane: { panel: PanelHandle } }).runlane.panel.cardData(k).series.map((s) => s.label), key);
}

const short = (id: string) => id.slice(-6);

describe('charts panel in Chromium', () => {
  it('shows native and TensorBoard runs side by side, grouped, filling the width, names as text and told apart', async () => {
    const page = await open('light');
    const groups = await page.$$eval('.rl-group > summary', (els) => els.map((e) => e.firstChild?.textContent));
    expect(groups).toEqual(['train', 'val', 'other']);
    const cards = await page.$$eval('.rl-card', (els) => els.map((e) => (e as HTMLElement).dataset.key));
    expect(cards).toEqual(expect.arrayContaining(['train/loss', 'train/acc', 'val/loss', 'lr']));
    // Every grid's cards reach its right edge: no empty columns beside a group's cards.
    const gaps = await page.$$eval('.rl-cards', (grids) =>
      grids.map((g) => g.getBoundingClientRect().right - Math.max(...[...g.children].map((c) => c.getBoundingClientRect().right))),
    );
    for (const gap of gaps) expect(gap).toBeLessThan(2);
    const legend = await page.$$eval('.rl-legend-item', (els) => els.map((e) => e.textContent));
    expect(legend).toHaveLength(6);
    expect(legend.join('|')).toContain('<img src=x onerror=alert(1)> live');
    for (const id of baselines) expect(legend.join('|')).toContain(`baseline lr=0.1 · ${short(id)}`);
    expect(legend.join('|')).toContain('wider lr=0.03'); // a unique name gets no mark
    expect(legend.join('|')).not.toContain('wider lr=0.03 ·');
    expect(await page.$$('.rl-legend img, .rl-compare img')).toHaveLength(0);
    const headers = await page.$$eval('.rl-compare th .rl-compare-name', (els) => els.map((e) => e.textContent));
    for (const id of baselines) expect(headers).toContain(`baseline lr=0.1 · ${short(id)}`);
    // interrupted and cancelled in their own colours, in the legend and the compare headers
    const colour = (status: string) => page.$eval(`.rl-legend-item[data-status="${status}"] .rl-run-status`, (e) => getComputedStyle(e).color);
    expect(await colour('interrupted')).not.toBe(await colour('cancelled'));
    // The compare table marks each run with its chart colour (the legend's), its status as a word.
    const swatches = await page.$$eval('.rl-legend-item', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('title') ?? '', getComputedStyle(e.querySelector('.rl-swatch')!).backgroundColor] as const)));
    const marks = await page.$$eval('.rl-compare th[title]', (els) => els.map((e) => ({ title: e.getAttribute('title')!, mark: getComputedStyle(e.querySelector('.rl-run-mark')!).backgroundColor, pill: e.querySelector('.rl-pill')!.textContent, pillColor: getComputedStyle(e.querySelector('.rl-pill')!).backgroundColor })));
    expect(marks).toHaveLength(6);
    for (const m of marks) expect(m.mark, m.title).toBe(swatches[m.title]);
    expect(new Set(marks.map((m) => m.mark)).size).toBe(6); // six runs, six colours (the old dots: four greens)
    const pill = (status: string) => marks.find((m) => m.title.endsWith(`(${status})`))!;
    expect(pill('interrupted').pill).toBe('interrupted');
    expect(pill('interrupted').pillColor).not.toBe(pill('cancelled').pillColor);
    expect(await page.$$eval('.rl-compare tr.rl-differs td:first-child', (els) => els.map((e) => e.textContent))).toEqual(['hidden', 'lr', 'optimizer']);
    await page.screenshot({ path: path.join(screenshots, 'charts-light.png'), fullPage: true });
    await page.close();
  });

  it('ends the x axis with the data, and shows whole loss curves unless outliers are ignored (remembered)', async () => {
    const page = await open('light');
    expect((await extents(page, 'val/loss')).x).toEqual([0, 1950]); // val/loss is logged every 50 steps up to 1950
    expect(await page.$eval('.rl-outliers', (e) => (e as HTMLInputElement).checked)).toBe(false);
    // The store's runs only (the TensorBoard run's train/loss holds a 1e30 on purpose).
    await page.fill('input[placeholder^="Filter runs"]', '/lr=|ranks/');
    await page.waitForTimeout(300);
    const dataMax = await page.evaluate(() => {
      const card = (window as unknown as { runlane: { panel: { cardData(k: string): { series: { values: number[] }[] } } } }).runlane.panel.cardData('train/loss');
      return Math.max(...card.series.flatMap((s) => s.values.filter(Number.isFinite)));
    });
    expect(dataMax).toBeGreaterThan(1.2); // the first points of the loss curves
    const [, top] = (await extents(page, 'train/loss')).y;
    expect(top).toBeGreaterThanOrEqual(dataMax); // the whole curve is on the chart
    await page.click('.rl-outliers');
    await page.waitForTimeout(200);
    expect((await extents(page, 'train/loss')).y[1]).toBeLessThan(dataMax); // what "ignore outliers" cuts
    await open('light', page); // reloaded: the choice is remembered
    expect(await page.$eval('.rl-outliers', (e) => (e as HTMLInputElement).checked)).toBe(true);
    await page.close();
  });

  it('lists every run at the hovered step in the tooltip, largest first, smoothed and raw labelled', async () => {
    const page = await open('light');
    const chart = await page.$('.rl-card[data-key="train/loss"] .rl-chart');
    const box = (await chart!.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.waitForTimeout(300);
    const tooltip = await page.evaluate(() => [...document.querySelectorAll('table')].find((t) => t.textContent?.startsWith('step '))?.innerText ?? '');
    const [head, ...rows] = tooltip.split('\n').filter(Boolean);
    expect(head).toMatch(/^step \d+\s+smoothed\s+raw$/);
    expect(rows).toHaveLength(6); // the store's five runs and the TensorBoard run's train/loss
    for (const id of baselines) expect(tooltip).toContain(`baseline lr=0.1 · ${short(id)}`);
    const smoothed = rows.map((r) => Number(r.split('\t').at(-2)));
    expect(smoothed.every(Number.isFinite)).toBe(true);
    expect(smoothed).toEqual([...smoothed].sort((a, b) => b - a));
    await page.close();
  });

  it('resizes a card by its corner, and keeps the size after a reload', async () => {
    const page = await open('light');
    const card = '.rl-card[data-key="train/acc"]';
    const before = await page.$eval(card, (e) => ({ width: e.getBoundingClientRect().width }));
    const handle = (await (await page.$(`${card} .rl-resize`))!.boundingBox())!;
    await page.mouse.move(handle.x + 5, handle.y + 5);
    await page.mouse.down();
    await page.mouse.move(handle.x + 5 + before.width, handle.y + 5 + 120, { steps: 5 });
    await page.mouse.up();
    const size = async () => page.$eval(card, (e) => ({ width: e.getBoundingClientRect().width, chart: e.querySelector('.rl-chart')!.getBoundingClientRect().height }));
    const after = await size();
    expect(after.width).toBeGreaterThan(before.width * 1.8);
    expect(after.chart).toBeGreaterThan(330);
    // The card that no longer fits beside it takes the whole next row, not a third of it.
    const loss = await page.$eval('.rl-card[data-key="train/loss"]', (e) => e.getBoundingClientRect().width);
    expect(Math.abs(loss - after.width)).toBeLessThan(2);
    await open('light', page);
    expect(await size()).toEqual(after);
    await page.screenshot({ path: path.join(screenshots, 'charts-resized.png'), fullPage: true });
    await page.close();
  });

  it('exports PNG with the title and legend, and CSV with the runs told apart', async () => {
    const page = await open('light');
    const card = '.rl-card[data-key="val/loss"]';
    const [png] = await Promise.all([page.waitForEvent('download'), page.click(`${card} button:text("PNG")`)]);
    const file = path.join(screenshots, 'charts-export.png');
    await png.saveAs(file);
    const bytes = readFileSync(file);
    const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
    const chartHeight = await page.$eval(`${card} .rl-chart`, (e) => e.getBoundingClientRect().height);
    expect(height / 2).toBeGreaterThan(chartHeight + 40); // pixel ratio 2; room above the plot for title and legend
    expect(width).toBeGreaterThan(600);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click(`${card} button:text("CSV")`)]);
    const text = readFileSync(await csv.path(), 'utf8');
    for (const id of baselines) expect(text).toContain(`baseline lr=0.1 · ${short(id)},val/loss,0,`);
    await page.close();
  });

  it("shows a job's rank 0 by default, every rank or their mean with a band on demand, live ranks kept apart", async () => {
    const page = await open('light');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    expect(await page.isVisible('.rl-ranks')).toBe(true);
    expect((await labels(page, 'train/loss')).filter((l) => l.startsWith('two ranks'))).toEqual(['two ranks']);
    await page.selectOption('.rl-ranks', 'all');
    // Rank 1's series is fetched on this choice: seconds on a busy machine (expect.poll's default is 1 s).
    await expect.poll(async () => (await labels(page, 'train/loss')).filter((l) => l.startsWith('two ranks')), { timeout: 15_000 }).toEqual(['two ranks [rank 0]', 'two ranks [rank 1]']);
    // The legend names each rank beside its line's dash, as drawn (rank 1 dashed).
    const legendLines = () => page.$$eval('.rl-legend-line', (els) => els.map((e) => [e.textContent, e.querySelector('line')!.getAttribute('stroke-dasharray')]));
    await expect.poll(legendLines).toEqual([['two ranks [rank 0]', null], ['two ranks [rank 1]', '6 3']]); // the legend follows the lines
    const lastSteps = () =>
      page.evaluate((id) => {
        const series = (window as unknown as { runlane: { panel: PanelHandle } }).runlane.panel.cardData('train/loss').series;
        return series.filter((s) => s.runKey.includes(id)).map((s) => s.steps.at(-1));
      }, jobRun);
    expect(await lastSteps()).toEqual([1999, 1999]);
    // The run ended before the daemon started: the daemon has it from its run index until its files
    // are read (its details, or the first sweep round). Points appended after that read are told
    // live; before it, the read takes them as the past (a known gap: they show on the next fetch).
    await (await harness.daemon.store(store)).detail(jobRun);
    rank1.logMetrics(jobRun, 'train/loss', Array.from({ length: 10 }, (_, i) => ({ step: 2000 + i, value: 0.3, time: 1.7e9 + 1000 + i })));
    // The run has ended: its late points are found by the daemon's edit sweep (docs/daemon.md: about
    // every 2 s, paced to ~3% of a core, so slower on a busy machine), not by a watch.
    await expect.poll(lastSteps, { timeout: 20_000 }).toEqual([1999, 2009]); // rank 1's points on rank 1's line only
    await page.fill('input[placeholder^="Filter runs"]', 'two ranks');
    // Filtered to one run: no empty card for a metric only other runs logged (`lr`), and the legend
    // dims the runs the filter hides.
    await expect.poll(() => page.$$eval('.rl-card', (cards) => cards.map((c) => (c as HTMLElement).dataset.key))).toEqual(['train/acc', 'train/loss', 'val/loss']);
    const dimmed = await page.$$eval('.rl-legend-item', (items) => items.map((i) => [i.querySelector('.rl-legend-label')?.textContent ?? '', i.classList.contains('rl-hidden')]));
    expect(dimmed.filter(([, hidden]) => !hidden).map(([label]) => label)).toEqual(['two ranks [rank 0]']);
    await page.screenshot({ path: path.join(screenshots, 'charts-ranks-all.png') });
    // The tooltip names the rank of each line.
    const box = (await (await page.$('.rl-card[data-key="train/loss"] .rl-chart'))!.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
    await page.waitForTimeout(300);
    const tooltip = await page.evaluate(() => [...document.querySelectorAll('table')].find((t) => t.textContent?.startsWith('step '))?.innerText ?? '');
    expect(tooltip).toContain('two ranks [rank 0]');
    expect(tooltip).toContain('two ranks [rank 1]');
    await page.mouse.move(0, 0);
    // The PNG export has no tooltip: its legend draws each rank's dash (looked at in charts-ranks-export.png).
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('.rl-card[data-key="train/loss"] button:text("PNG")')]);
    await png.saveAs(path.join(screenshots, 'charts-ranks-export.png'));
    expect(readFileSync(path.join(screenshots, 'charts-ranks-export.png')).readUInt32BE(16)).toBeGreaterThan(600);
    await page.selectOption('.rl-ranks', 'mean');
    await expect.poll(async () => (await labels(page, 'train/loss')).filter((l) => l.startsWith('two ranks'))).toEqual(['two ranks [mean of 2 ranks]']);
    // Drawn: the mean's band under its line (rank 1 logged train/loss only: val/loss keeps rank 0's line).
    const drawn = () => page.evaluate(() => {
      const panel = (window as unknown as { runlane: { panel: { cards: Map<string, { chart: { getOption(): { series: ({ id: string } | null)[] } } }> } } }).runlane.panel;
      return panel.cards.get('train/loss')!.chart.getOption().series.flatMap((s) => (s && /#mean:band$/.test(s.id) ? [s.id] : []));
    });
    await expect.poll(drawn).toHaveLength(1);
    expect(await labels(page, 'val/loss')).toEqual(['two ranks']);
    expect(await legendLines()).toEqual([['two ranks [mean of 2 ranks]', null]]);
    expect(await page.$$('.rl-legend-line rect')).toHaveLength(1); // the band in the legend's sample
    const bandFill = () => page.evaluate(() => {
      const panel = (window as unknown as { runlane: { panel: { cards: Map<string, { chart: { getOption(): { series: ({ id: string; areaStyle?: { opacity: number } } | null)[] } } }> } } }).runlane.panel;
      return panel.cards.get('train/loss')!.chart.getOption().series.find((s) => s && /#mean:band$/.test(s.id))!.areaStyle!.opacity;
    });
    const lightFill = await bandFill();
    expect(lightFill).toBeGreaterThanOrEqual(0.25);
    expect(errors).toEqual([]);
    await page.screenshot({ path: path.join(screenshots, 'charts-ranks-mean.png') });
    // Dark: the band is stronger there (a colour at a given opacity shows less on dark).
    await open('dark', page); // the mean is remembered
    await page.fill('input[placeholder^="Filter runs"]', 'two ranks');
    await expect.poll(drawn).toHaveLength(1);
    expect(await bandFill()).toBeGreaterThan(lightFill);
    await page.screenshot({ path: path.join(screenshots, 'charts-ranks-mean-dark.png') });
    await page.close();
  });

  // Issue 12 as a user met it: a metric logged every 100,000 steps of a 10M-step run, zoomed with the
  // wheel until the window fell between two points; the chart went blank and every later zoom asked
  // the daemon for from_step=NaN.
  it('zooms far into a sparse series: the line stays across the window, and no request names a NaN step', async () => {
    const sparse = path.join(tmp, 'sparse');
    const w = await StoreWriter.open(sparse);
    const id = await w.createRun({ name: 'sparse', experiment: 'long', kind: 'script' });
    w.logMetrics(id, 'acc', Array.from({ length: 100 }, (_, s) => ({ step: s * 100_000, value: 1 - Math.exp(-s / 30), time: 1.76e9 + s })));
    w.appendEvent(id, { type: 'status', status: 'finished' });
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const errors: string[] = [];
    const ranges: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => {
      const q = new URL(r.url()).searchParams;
      if (q.has('from_step') || q.has('to_step')) ranges.push(`${q.get('from_step')}..${q.get('to_step')}`);
    });
    await page.goto(`${harness.url}?${new URLSearchParams({ store: sparse })}`);
    await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
    const box = (await page.locator('.rl-card canvas').first().boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.42, box.y + box.height / 2);
    for (let i = 0; i < 12; i++) {
      await page.mouse.wheel(0, -300);
      await page.waitForTimeout(150);
    }
    await page.waitForTimeout(500);
    expect(errors).toEqual([]);
    expect(ranges.length).toBeGreaterThan(0);
    for (const r of ranges) expect(r).toMatch(/^\d+\.\.\d+$/);
    const steps = await page.evaluate(() => (window as unknown as { runlane: { panel: PanelHandle } }).runlane.panel.cardData('acc').series[0]!.steps);
    expect(steps.length).toBeGreaterThanOrEqual(2); // the points either side of the window: a line across it
    const { x } = await extents(page, 'acc');
    expect(x.every(Number.isFinite)).toBe(true);
    await page.screenshot({ path: path.join(screenshots, 'charts-sparse-zoom.png') });
    await page.close();
  });

  it('appends live points from the feed to the running run, and looks right in dark', async () => {
    const page = await open('dark');
    const lastStep = () =>
      page.evaluate((id) => {
        const panel = (window as unknown as { runlane: { panel: PanelHandle } }).runlane.panel;
        const byRun = panel.series.get('train/loss')!;
        const key = [...byRun.keys()].find((k) => k.endsWith(`::${id}`))!;
        return byRun.get(key)!.steps.at(-1);
      }, liveRun);
    expect(await lastStep()).toBe(1999);
    writer.logMetrics(liveRun, 'train/loss', Array.from({ length: 50 }, (_, i) => ({ step: 2000 + i, value: 0.2, time: 1.7e9 + 1000 + i })));
    await expect.poll(lastStep, { timeout: 5000 }).toBe(2049);
    // A rename reaches the compare table's header too (it kept the old name while the legend followed).
    writer.appendEvent(liveRun, { type: 'name', name: '<img src=x onerror=alert(1)> renamed' });
    const headers = () => page.$$eval('.rl-compare th .rl-compare-name', (els) => els.map((e) => e.textContent));
    await expect.poll(headers, { timeout: 5000 }).toContain('<img src=x onerror=alert(1)> renamed');
    writer.appendEvent(liveRun, { type: 'name', name: '<img src=x onerror=alert(1)> live' });
    await expect.poll(headers, { timeout: 5000 }).toContain('<img src=x onerror=alert(1)> live');
    await page.screenshot({ path: path.join(screenshots, 'charts-dark.png'), fullPage: true });
    await page.close();
  });

  // Issue 15, groups: three seeds of each of two configs, grouped by everything but `seed`: one line
  // per config (the mean), in a min-max band, then a ±std band; a click on the legend shows members.
  let seedStore: Promise<string> | undefined;
  /** Three seeds of each of two configs, in a store of their own (written once, for both tests). */
  const writeSeeds = () => (seedStore ??= (async () => {
    const seeds = path.join(tmp, 'seeds');
    const w = await StoreWriter.open(seeds);
    for (const lr of [0.1, 0.03]) {
      for (const seed of [1, 2, 3]) {
        const id = await w.createRun({ name: `lr=${lr} seed=${seed}`, experiment: 'seeds', kind: 'script' });
        w.appendEvent(id, { type: 'params', params: { lr, layers: 2, seed } });
        w.logMetrics(id, 'loss', curve(seed * 7 + (lr === 0.1 ? 0 : 100), 400, (lr === 0.1 ? 1 : 0.6) * (0.7 + 0.15 * seed)));
        w.appendEvent(id, { type: 'status', status: 'finished' });
      }
    }
    return seeds;
  })());

  it('groups runs by everything but seed: one mean line per config in a band, members on a click', async () => {
    const seeds = await writeSeeds();
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${harness.url}?${new URLSearchParams({ store: seeds })}`);
    await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
    expect(await labels(page, 'loss')).toHaveLength(6);
    await page.fill('.rl-group-by', 'all but seed');
    await page.press('.rl-group-by', 'Enter');
    await expect.poll(() => labels(page, 'loss')).toEqual(['layers=2 lr=0.03 [mean of 3 runs]', 'layers=2 lr=0.1 [mean of 3 runs]']);
    type Drawn = { id: string; data: [number, number | null][] };
    const bands = () => page.evaluate(() => {
      const panel = (window as unknown as { runlane: { panel: { cards: Map<string, { chart: { getOption(): { series: (Drawn | null)[] } } }> } } }).runlane.panel;
      return panel.cards.get('loss')!.chart.getOption().series.flatMap((s) => (s && s.id.endsWith(':band') ? [s.data.map((p) => p[1])] : []));
    });
    await expect.poll(async () => (await bands()).length).toBe(2);
    const minMax = await bands();
    expect(minMax.every((heights) => heights.every((h) => h === null || h >= 0) && heights.some((h) => h! > 0))).toBe(true);
    expect(await page.$$eval('.rl-legend-group', (els) => els.map((e) => e.querySelector('.rl-group-size')!.textContent))).toEqual(['▸ 3 runs', '▸ 3 runs']);
    await page.screenshot({ path: path.join(screenshots, 'charts-groups-minmax.png') });
    await page.selectOption('.rl-band', 'std');
    await expect.poll(async () => JSON.stringify(await bands())).not.toBe(JSON.stringify(minMax));
    await page.click('.rl-legend-group >> nth=1');
    await expect.poll(async () => (await labels(page, 'loss')).sort()).toEqual([
      'layers=2 lr=0.03 [mean of 3 runs]', 'layers=2 lr=0.1 [mean of 3 runs]', 'lr=0.1 seed=1', 'lr=0.1 seed=2', 'lr=0.1 seed=3',
    ]);
    // A name no run has is said, not silently grouped into one line.
    await page.fill('.rl-group-by', 'sed');
    await page.press('.rl-group-by', 'Enter');
    await expect.poll(() => page.textContent('.rl-group-hint')).toContain('“sed”');
    await page.fill('.rl-group-by', 'sweep');
    await page.press('.rl-group-by', 'Enter');
    await expect.poll(() => page.textContent('.rl-group-hint')).toBe('No shown run is a trial of a sweep: each run is its own line.');
    await page.fill('.rl-group-by', 'all but seed');
    await page.press('.rl-group-by', 'Enter');
    await page.click('.rl-legend-group >> nth=0');
    await expect.poll(() => labels(page, 'loss')).toHaveLength(5);
    await page.screenshot({ path: path.join(screenshots, 'charts-groups-std.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  // The same runs in the runs table (shared/ui/src/table/), grouped through its grouping hook: a group
  // row per config with the run count and the mean ± std of each metric, the members under it.
  it('groups the runs table by everything but seed: a row per config with the mean of each metric', async () => {
    const seeds = await writeSeeds();
    const table = await startHarness(seeds, path.join(here, 'charts/tablePage.ts'));
    const page = await browser.newPage({ viewport: { width: 1700, height: 420 } });
    try {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${table.url}?${new URLSearchParams({ store: seeds, experiment: 'seeds' })}`);
      await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
      await expect.poll(() => page.locator('.rl-grid-row').count()).toBe(6);
      await page.fill('.rl-table-group-by', 'all but seed');
      await page.press('.rl-table-group-by', 'Enter');
      const groupRows = () => page.locator('.rl-group-row').evaluateAll((rows) => rows.map((r) => [r.querySelector('[data-col="name"]')?.textContent, r.querySelector('[data-col="metric:loss"]')?.textContent]));
      await expect.poll(async () => (await groupRows()).length).toBe(2);
      const rows = await groupRows();
      expect(rows.map(([name]) => name).sort()).toEqual(['layers=2 lr=0.03 (3)', 'layers=2 lr=0.1 (3)']);
      for (const [, loss] of rows) expect(loss).toMatch(/^\d\.\d+ ± \d/); // the mean of the members' last loss, and their spread
      expect(await page.locator('.rl-grid-row').count()).toBe(8); // the members under their group rows
      await page.screenshot({ path: path.join(screenshots, 'table-groups.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await table.close();
    }
  });
});
