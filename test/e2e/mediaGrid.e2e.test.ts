// A grid of 100 image keys x 10 runs (the media benchmark's page, test/bench/media/page.ts: an
// in-memory bridge that counts reads) in real Chromium: only the cards near the screen build their
// columns and read their images; a card scrolled to later builds and shows its own. Building all
// 1,000 columns up front was most of the grid's first paint (docs/media.md).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startHarness, type Harness } from './charts/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));

let tmp: string;
let harness: Harness;
let browser: Browser;

beforeAll(async () => {
  tmp = makeTempDir('media-grid');
  harness = await startHarness(tmp, path.resolve(here, '../bench/media/page.ts'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  if (tmp) removeTempDir(tmp);
});

/** What the page has done: cards with columns, images read, images shown per card key. */
function state(page: Page) {
  return page.evaluate(() => {
    const b = (window as unknown as { bench: { section: { element: HTMLElement }; timing: { readMedia: number; refs: string[] } } }).bench;
    const cards = [...b.section.element.querySelectorAll<HTMLElement>('.rl-media-kind-image')];
    const shown = Object.fromEntries(cards.map((c) => [c.dataset.key!, c.querySelectorAll('img.rl-media-image').length]));
    const built = cards.filter((c) => c.querySelector('.rl-media-col')).map((c) => c.dataset.key!);
    // Refs are `run:key:step`: the keys whose images were read.
    const readKeys = [...new Set(b.timing.refs.map((r) => r.split(':')[1]!))];
    return { cards: cards.length, built: built.length, builtKeys: built, readKeys, refs: b.timing.refs, reads: b.timing.readMedia, shown };
  });
}

describe('a grid of 1,000 images', () => {
  it('builds and reads only the cards near the screen; a card scrolled to shows its images', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(harness.url);
      await page.evaluate(async () => {
        const b = (window as unknown as { bench: { section: { setRuns(r: unknown[]): Promise<void> }; runs: unknown[]; ready: Promise<void> } }).bench;
        await b.ready;
        await b.section.setRuns(b.runs);
      });
      await expect.poll(async () => (await state(page)).shown['samples/000'], { timeout: 30_000 }).toBe(10);
      const first = await state(page);
      expect(first.cards).toBe(100);
      // The window (900 px, cards ~280 px tall, 200 px of margin) holds 4 or 5 cards: not the 100.
      expect(first.built).toBeGreaterThanOrEqual(3);
      expect(first.built).toBeLessThanOrEqual(8);
      // Each image read belongs to a built card (its step, or the neighbours its idle prefetch
      // decodes ahead), none to the cards below.
      expect(first.readKeys.every((k) => first.builtKeys.includes(k))).toBe(true);
      expect(first.shown['samples/050']).toBe(0);
      await page.locator('.rl-media-card[data-key="samples/050"]').scrollIntoViewIfNeeded();
      await expect.poll(async () => (await state(page)).shown['samples/050'], { timeout: 30_000 }).toBe(10);
      const later = await state(page);
      expect(later.readKeys).toContain('samples/050');
      expect(later.built).toBeLessThan(20);
    } finally {
      await page.close();
    }
  }, 90_000);
});

describe('the step slider', () => {
  it('decodes the neighbouring steps of the cards on screen while idle: the next step shows without a read', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(harness.url);
      await page.evaluate(async () => {
        const b = (window as unknown as { bench: { section: { setRuns(r: unknown[]): Promise<void> }; runs: unknown[]; ready: Promise<void> } }).bench;
        await b.ready;
        await b.section.setRuns(b.runs);
      });
      // The first card opens on its newest step (9); while the page idles, steps 8, 7 and 6 of its
      // 10 runs are read and decoded, the likely next ones (a card opens at its end: the way is back).
      const ahead = (refs: string[], step: number) => refs.filter((r) => r.includes(':samples/000:') && r.endsWith(`:${step}`)).length;
      await expect.poll(async () => ahead((await state(page)).refs, 6), { timeout: 30_000 }).toBe(10);
      const before = await state(page);
      expect(ahead(before.refs, 8)).toBe(10);
      expect(before.readKeys).not.toContain('samples/050'); // off screen: nothing decoded ahead
      // A move to step 8 shows the 10 images from what was decoded, without reading one.
      const shownAt8 = await page.evaluate(() => {
        const b = (window as unknown as { bench: { section: { card(k: string): { element: HTMLElement; moveTo(p: number): void } }; timing: { refs: string[] } } }).bench;
        const card = b.section.card('samples/000');
        const reads = b.timing.refs.length;
        card.moveTo(8);
        return new Promise<{ newReads: number }>((resolve) => {
          const check = () => {
            const frames = [...card.element.querySelectorAll<HTMLElement>('.rl-media-frame')];
            if (frames.length === 10 && frames.every((f) => f.dataset.shown?.endsWith(':8'))) resolve({ newReads: b.timing.refs.slice(reads).filter((r) => r.includes(':samples/000:')).length });
            else requestAnimationFrame(check);
          };
          check();
        });
      });
      expect(shownAt8.newReads).toBe(0);
    } finally {
      await page.close();
    }
  }, 90_000);
});
