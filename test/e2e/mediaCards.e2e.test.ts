// The media cards of the shared charts panel in real Chromium, over a real daemon: a store written by
// the kernel helper's rl.log_image / log_text / log_histogram (test/e2e/charts/write_media.py), one
// of its PNGs then corrupted. Image columns per run with a step slider, captions and names as text,
// click to enlarge, a thumbnail for a large image, a placeholder for the corrupt one; histograms in
// both views; texts as text; new items arriving live. Screenshots go to test/e2e/screenshots/.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopProcessGroup } from '../helpers/processes.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { waitFor } from '../helpers/waitFor.js';
import { startHarness, type Harness } from './charts/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const screenshots = process.env.RUNLANE_SCREENSHOTS ?? path.join(here, 'screenshots');

let tmp: string;
let store: string;
let harness: Harness;
let browser: Browser;
let writer: ChildProcessWithoutNullStreams;
const lines: string[] = [];

/** Resolves with the writer's next line that passes `test`. */
async function nextLine(test: (line: string) => boolean): Promise<string> {
  await waitFor(() => lines.some(test), 60_000);
  const i = lines.findIndex(test);
  return lines.splice(i, 1)[0]!;
}

beforeAll(async () => {
  tmp = makeTempDir('media-cards');
  store = path.join(tmp, 'store');
  // Two finished runs and a third left running (--live), stepped on from stdin.
  writer = spawn(path.join(root, '.venv/bin/python'), [path.join(here, 'charts/write_media.py'), '3', '5', '--live'], { env: { ...process.env, RUNLANE_DIR: store }, detached: true });
  writer.stdout.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  await nextLine((l) => l === 'live');
  expect(lines).toHaveLength(3);
  // The first run's step-3 sample made undecodable (its bytes kept, its PNG body broken).
  const first = lines[0]!; // the first id printed: run 0's (ids made in one second do not sort by order)
  const mediaDir = path.join(store, 'runs', first, 'media');
  const folder = path.join(mediaDir, readdirSync(mediaDir)[0]!);
  const index = readFileSync(path.join(folder, 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; key: string; step: number; file?: string; size?: number });
  const victim = index.find((r) => r.kind === 'image' && r.key === 'samples' && r.step === 3)!;
  const bytes = readFileSync(path.join(folder, victim.file!));
  bytes.fill(0x41, 16);
  writeFileSync(path.join(folder, victim.file!), bytes);
  // The second run's step-2 sample: its header whole (the signature, IHDR: 33 bytes, and the IDAT
  // chunk's length and type), its image data garbage. Such a PNG passes <img>.decode() and then
  // paints nothing: the card must say so all the same.
  const second = path.join(store, 'runs', lines[1]!, 'media');
  const secondFolder = path.join(second, readdirSync(second)[0]!);
  const secondIndex = readFileSync(path.join(secondFolder, 'index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; key: string; step: number; file?: string });
  const dataVictim = secondIndex.find((r) => r.kind === 'image' && r.key === 'samples' && r.step === 2)!;
  const png = readFileSync(path.join(secondFolder, dataVictim.file!));
  png.fill(0x41, 41, png.length - 12);
  writeFileSync(path.join(secondFolder, dataVictim.file!), png);
  harness = await startHarness(store, path.join(here, 'charts/mediaPage.ts'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
  mkdirSync(screenshots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  if (writer) await stopProcessGroup(writer);
  removeTempDir(tmp);
});

async function open(theme: 'light' | 'dark'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => errors.push(`dialog: ${d.message()}`));
  await page.goto(`${harness.url}?${new URLSearchParams([['store', store], ['theme', theme]])}`);
  await page.evaluate(() => (window as unknown as { runlane: { ready: Promise<void> } }).runlane.ready);
  await page.waitForSelector('.rl-media-card[data-key="samples"] .rl-media-col');
  expect(errors).toEqual([]);
  return page;
}

describe('media cards in Chromium', () => {
  it('image cards: a column per run, the slider, captions as text, enlarge, a thumbnail, a placeholder for a corrupt PNG', async () => {
    const page = await open('light');
    const card = page.locator('.rl-media-card[data-key="samples"]');
    await expect.poll(() => card.locator('.rl-media-col').count()).toBe(3);
    expect(await card.locator('.rl-media-run').allTextContents()).toContain('<b>media</b> run 0');
    expect(await page.locator('.rl-media-section b, .rl-media-section img[src="x"]').count()).toBe(0);
    // The slider starts on the newest step of any run (the live run is at step 4 too).
    expect(await card.locator('.rl-media-step').textContent()).toBe('step 4');
    const first = card.locator('.rl-media-col', { has: page.getByText('<b>media</b> run 0', { exact: true }) });
    await expect.poll(() => first.locator('img.rl-media-image').count(), { timeout: 15_000 }).toBe(1);
    expect(await first.locator('.rl-media-caption').textContent()).toBe('<img src=x onerror=alert(1)> step 4');
    // Step 1: every column shows its step-1 image (the slider moves all of them).
    await card.locator('.rl-media-slider').fill('1');
    expect(await card.locator('.rl-media-step').textContent()).toBe('step 1');
    await expect.poll(() => card.locator('.rl-media-caption').allTextContents()).toEqual(Array(3).fill('<img src=x onerror=alert(1)> step 1'));
    await expect.poll(() => card.locator('img.rl-media-image').count(), { timeout: 15_000 }).toBe(3);
    // Step 2 of the second run has a sound header and corrupt image data: a sentence too.
    await card.locator('.rl-media-slider').fill('2');
    const second = card.locator('.rl-media-col', { has: page.getByText('media run 1', { exact: true }) });
    await expect.poll(() => second.locator('.rl-media-placeholder').textContent(), { timeout: 15_000 }).toMatch(/could not be shown/);
    // The sentence sits in the middle of its frame, with no zoom-in cursor (there is nothing to enlarge).
    const sentence = await second.locator('.rl-media-placeholder').evaluate((p) => {
      const range = document.createRange();
      range.selectNodeContents(p); // the sentence's own box (its element may be as tall as the frame)
      const [box, frame] = [range.getBoundingClientRect(), p.parentElement!.getBoundingClientRect()];
      return { offCentre: Math.abs(box.top + box.height / 2 - (frame.top + frame.height / 2)), cursor: getComputedStyle(p).cursor };
    });
    expect(sentence.offCentre).toBeLessThan(4);
    expect(sentence.cursor).not.toBe('zoom-in');
    await expect.poll(() => card.locator('img.rl-media-image').count(), { timeout: 15_000 }).toBe(2);
    // A 16x12 image enlarged fills the window rather than shrinking to its natural size (a new user saw
    // the click make it smaller than the card drew it).
    const third = card.locator('.rl-media-col', { has: page.getByText('media run 2', { exact: true }) });
    const inCard = await third.locator('img.rl-media-image').evaluate((img) => img.getBoundingClientRect().width);
    await third.locator('img.rl-media-image').click();
    const small = page.locator('.rl-media-overlay img');
    await expect.poll(() => small.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(16);
    await expect.poll(() => small.evaluate((img) => img.getBoundingClientRect().width)).toBeGreaterThan(inCard);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.rl-media-overlay').count()).toBe(0);
    // Step 3 of the first run is a corrupt PNG: a sentence, not a broken image; the others draw.
    await card.locator('.rl-media-slider').fill('3');
    await expect.poll(() => first.locator('.rl-media-placeholder').textContent(), { timeout: 15_000 }).toMatch(/could not be shown/);
    await expect.poll(() => card.locator('img.rl-media-image').count(), { timeout: 15_000 }).toBe(2);
    // A 1600x1200 image is drawn as a thumbnail canvas; a click shows it whole.
    const big = page.locator('.rl-media-card[data-key="big/photo"]');
    await expect.poll(() => big.locator('canvas.rl-media-image').count(), { timeout: 15_000 }).toBe(1);
    expect(await big.locator('canvas.rl-media-image').evaluate((c) => Math.max((c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height))).toBe(320);
    await big.locator('canvas.rl-media-image').click();
    const overlay = page.locator('.rl-media-overlay img');
    await expect.poll(() => overlay.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(1600);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('.rl-media-overlay').count()).toBe(0);
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(screenshots, 'media-images-light.png'), fullPage: true });
    await page.close();
  }, 120_000);

  it('histogram cards: offset ridges and distribution bands of every run, the choice shared by the cards', async () => {
    const page = await open('dark');
    const card = page.locator('.rl-histogram-card[data-key="weights"]');
    await card.scrollIntoViewIfNeeded();
    // The ridges are drawn: the canvas holds coloured pixels.
    await expect
      .poll(() => card.locator('canvas.rl-histogram-canvas').evaluate((c) => {
        const canvas = c as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
        return painted;
      }), { timeout: 15_000 })
      .toBeGreaterThan(2000);
    await page.screenshot({ path: path.join(screenshots, 'media-histograms-offset-dark.png'), clip: (await card.boundingBox())! });
    await card.locator('button', { hasText: 'Distribution' }).click();
    // The bands of every run: 3 runs of 5 steps each.
    const drawn = () =>
      page.evaluate(() => {
        type Card = { drawn: { runs: number; steps: number } | null };
        const panel = (window as unknown as { runlane: { panel: { media: { card(key: string): Card } } } }).runlane.panel;
        return panel.media.card('weights').drawn;
      });
    await expect.poll(drawn, { timeout: 15_000 }).toEqual({ runs: 3, steps: 15 });
    await page.screenshot({ path: path.join(screenshots, 'media-histograms-distribution-dark.png'), clip: (await card.boundingBox())! });
    await page.close();
  }, 120_000);

  it('text cards show the text as text, and new steps arrive live: the slider follows them', async () => {
    const page = await open('light');
    const card = page.locator('.rl-media-card[data-key="generated"]');
    await card.scrollIntoViewIfNeeded();
    await expect.poll(() => card.locator('.rl-media-text-body').allTextContents(), { timeout: 15_000 }).toContain('<script>alert(4)</script> run 2 says: step 4\nsecond line');
    expect(await page.locator('.rl-media-section script').count()).toBe(0);
    // Texts take the card's width (3 runs in a 1,400 px window: ~440 px each), not an image column's 360.
    const widths = await card.locator('.rl-media-col').evaluateAll((cols) => cols.map((c) => c.getBoundingClientRect().width));
    expect(Math.min(...widths)).toBeGreaterThan(400);
    // A folded group stays folded as live items redraw the section.
    const images = page.locator('.rl-media-group', { has: page.locator('summary', { hasText: 'images' }) });
    await images.locator('summary').click();
    // The live run logs step 5 of everything: its columns move on to it.
    writer.stdin.write('\n');
    await nextLine((l) => l === 'ok');
    const samples = page.locator('.rl-media-card[data-key="samples"]');
    await expect.poll(() => samples.locator('.rl-media-step').textContent(), { timeout: 20_000 }).toBe('step 5');
    await expect.poll(() => card.locator('.rl-media-text-body').allTextContents(), { timeout: 20_000 }).toContain('<script>alert(5)</script> run 2 says: step 5\nsecond line');
    // The finished runs keep showing their last step, said so in their captions.
    const first = samples.locator('.rl-media-col', { has: page.getByText('<b>media</b> run 0', { exact: true }) });
    expect(await first.locator('.rl-media-caption').textContent()).toBe('<img src=x onerror=alert(1)> step 4 (step 4)');
    expect(await images.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    await page.screenshot({ path: path.join(screenshots, 'media-text-light.png'), clip: (await card.boundingBox())! });
    await page.close();
  }, 120_000);

  it("a job's worker 1 logs histograms too: the cards show rank 0, offer rank 1, and follow it live", async () => {
    const live = lines[2]!; // the live run's id (the third printed)
    // A job worker of that run (RUNLANE_RUN_ID and RANK, as every target sets them) logs its own steps.
    const worker = (steps: number[]) =>
      new Promise<number | null>((resolve) => {
        const code = `import runlane as rl\nfrom runlane.media import drain\nfor s in ${JSON.stringify(steps)}:\n    rl.log_histogram("weights", [100.0 + s, 101.0 + s], step=s)\ndrain(rl.active_run())\n`;
        const env = { ...process.env, RUNLANE_DIR: store, RUNLANE_RUN_ID: live, RANK: '1' };
        spawn(path.join(root, '.venv/bin/python'), ['-c', code], { env, stdio: 'inherit' }).on('exit', resolve);
      });
    expect(await worker([0, 1, 2])).toBe(0);
    const page = await open('light');
    const card = page.locator('.rl-histogram-card[data-key="weights"]');
    await card.scrollIntoViewIfNeeded();
    const rank = card.locator('select.rl-histogram-rank');
    await expect.poll(() => rank.isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await rank.locator('option').allTextContents()).toEqual(['rank 0', 'rank 1']);
    expect(await rank.inputValue()).toBe('0');
    await card.locator('button', { hasText: 'Distribution' }).click();
    const drawn = () =>
      page.evaluate(() => {
        type Card = { drawn: { runs: number; steps: number } | null };
        return (window as unknown as { runlane: { panel: { media: { card(key: string): Card } } } }).runlane.panel.media.card('weights').drawn;
      });
    await expect.poll(async () => (await drawn())?.runs, { timeout: 15_000 }).toBe(3);
    // Rank 1: only the live run's worker logged it, its 3 steps; every histogram card follows the choice.
    await rank.selectOption('1');
    await expect.poll(drawn, { timeout: 15_000 }).toEqual({ runs: 1, steps: 3 });
    expect(await rank.inputValue()).toBe('1');
    expect(await worker([3])).toBe(0);
    await expect.poll(drawn, { timeout: 20_000 }).toEqual({ runs: 1, steps: 4 });
    await page.screenshot({ path: path.join(screenshots, 'media-histograms-rank1-light.png'), clip: (await card.boundingBox())! });
    await rank.selectOption('0');
    await expect.poll(async () => (await drawn())?.runs, { timeout: 15_000 }).toBe(3);
    await page.close();
  }, 120_000);
});
