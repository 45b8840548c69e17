// The media cards in headless Chromium (shared/ui/src/media): a grid of 1,000 images (100 keys x 10
// runs, each key with 10 steps) from the data's arrival to every image on screen decoded and painted
// (target <= 300 ms), the step slider (one card, 10 runs: to the new step's images painted, target
// <= 50 ms per step), and histograms of 10 runs x 1,000 steps drawn in either view (<= 300 ms). The
// bridge is in memory (test/bench/media/page.ts): the cards' own work is measured, not the network.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startHarness } from '../e2e/charts/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const results = path.join(here, 'results');

const ROUNDS = 5;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
type Measured = Awaited<ReturnType<typeof measure>>;

it('media cards: 1,000 images, the slider, 10 x 1,000 histograms', { timeout: 180_000 }, async () => {
  const tmp = makeTempDir('bench-media');
  const harness = await startHarness(tmp, path.join(here, 'media/page.ts'));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    // Several rounds, each on a fresh page (an empty cache): the table gives each measure's median
    // and the first paint's range, so one busy moment of a shared machine does not decide it.
    const outs: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(harness.url);
      outs.push(await measure(page));
      await page.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const of = (pick: (o: Measured) => number) => median(outs.map(pick));
    const out = {
      grid: { ms: of((o) => o.grid.ms), frames: outs[0]!.grid.frames },
      gridAll: outs.map((o) => Math.round(o.grid.ms)),
      listed: of((o) => o.listed),
      total: outs[0]!.total,
      built: of((o) => o.built),
      reads: of((o) => o.reads),
      steps: of((o) => p95(o.steps)),
      cached: of((o) => p95(o.cached)),
      offset: of((o) => o.offset),
      distribution: of((o) => o.distribution),
    };
    const rows = [
      { measure: `first paint: grid of ${out.total} images (10 runs), the ${out.grid.frames} on screen decoded (median of ${ROUNDS} pages: ${out.gridAll.join(', ')})`, ms: Math.round(out.grid.ms), target: '<= 300 ms', pass: out.grid.ms <= 300 },
      { measure: 'step slider, 10 runs: new step painted (p95 of 9 steps, bytes read)', ms: Math.round(out.steps), target: '<= 50 ms', pass: out.steps <= 50 },
      { measure: 'step slider, back over cached steps (p95 of 9)', ms: Math.round(out.cached), target: '<= 50 ms', pass: out.cached <= 50 },
      { measure: 'histograms 10 runs x 1,000 steps: offset view drawn', ms: Math.round(out.offset), target: '<= 300 ms', pass: out.offset <= 300 },
      { measure: 'histograms 10 runs x 1,000 steps: distribution view drawn', ms: Math.round(out.distribution), target: '<= 300 ms', pass: out.distribution <= 300 },
      { measure: '  of which: listing 10 runs x 1,000 items and building the 100 cards', ms: Math.round(out.listed), target: '-', pass: true },
      { measure: 'images read by the first paint (near the screen: 10 runs x 4 cards)', ms: out.reads, target: '-', pass: true },
      { measure: 'image cards with their columns built (of 100: those near the screen)', ms: out.built, target: '-', pass: true },
      { measure: 'load average (1 min) at the end, on this machine', ms: Number(os.loadavg()[0]!.toFixed(1)), target: '-', pass: true },
    ];
    console.log('\nMedia cards in headless Chromium (in-memory bridge)');
    console.table(rows);
    console.log('Anchor (documented): TensorBoard keeps 10 images and 500 histograms per run and tag by default; its image cards load each image when shown.');
    mkdirSync(results, { recursive: true });
    writeFileSync(path.join(results, 'media_cards.json'), `${JSON.stringify({ rows, date: new Date().toISOString(), note: 'shared, noisy machine' }, null, 1)}\n`);
    expect(out.total).toBe(1000);
  } finally {
    await browser.close();
    await harness.close();
    removeTempDir(tmp);
  }
});

/** One round on a fresh page: the grid's first paint, the slider, the histograms. */
async function measure(page: Page) {
  return page.evaluate(async () => {
    type Card = { element: HTMLElement; runCount: number; moveTo(p: number): void; step: number | null; draw(): void; setMode(m: string, byUser: boolean): void };
    const b = (window as unknown as { bench: { section: { setRuns(r: unknown[]): Promise<void>; card(k: string): Card; element: HTMLElement }; runs: unknown[]; ready: Promise<void>; timing: { readMedia: number } } }).bench;
    await b.ready;
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    // Every frame on screen shows its image decoded (or a canvas); resolves with the time then.
    const painted = async (within: Element, step: number | null, t0: number) => {
      for (;;) {
        // On screen: inside the window, and not scrolled out of its card's row of columns. Cards
        // are picked first: asking for the box of a frame in an off-screen card would force the
        // layout the page skips (content-visibility), ~140 ms the user never waits for.
        const cards = (within.matches('.rl-media-card') ? [within] : [...within.querySelectorAll('.rl-media-card')]).filter((c) => {
          const r = c.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight;
        });
        const frames = cards.flatMap((c) => [...c.querySelectorAll<HTMLElement>('.rl-media-frame')]).filter((f) => {
          const r = f.getBoundingClientRect();
          const row = f.closest('.rl-media-columns')!.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight && r.right > row.left && r.left < row.right;
        });
        const done = frames.length > 0 && cards.every((c) => c.querySelector('.rl-media-frame')) && frames.every((f) => f.dataset.shown !== undefined && f.dataset.shown === f.dataset.ref && (step === null || f.dataset.ref.endsWith(`:${step}`)));
        if (done) return { ms: performance.now() - t0, frames: frames.length };
        if (performance.now() - t0 > 20_000) {
          const f = frames.find((x) => x.dataset.shown !== x.dataset.ref);
          throw new Error(`not painted in 20 s: ${frames.length} frames on screen, e.g. ref ${f?.dataset.ref} shown ${f?.dataset.shown}: ${f?.innerHTML.slice(0, 200)}`);
        }
        await new Promise((r) => requestAnimationFrame(r));
      }
    };
    const t0 = performance.now();
    let listed = 0;
    const loading = b.section.setRuns(b.runs).then(() => (listed = performance.now() - t0));
    const grid = await painted(b.section.element, null, t0);
    const readAtPaint = b.timing.readMedia;
    await loading;
    // Columns are built as cards near the screen: the grid's size is its cards' runs.
    const imageCards = [...b.section.element.querySelectorAll<HTMLElement>('.rl-media-kind-image')];
    const total = imageCards.reduce((n, c) => n + b.section.card(c.dataset.key!).runCount, 0);
    const built = imageCards.filter((c) => c.querySelector('.rl-media-col')).length;
    // The slider of the first card, from the newest step down to the first, one step at a time.
    const card = b.section.card('samples/000');
    const steps: number[] = [];
    for (let p = 8; p >= 0; p--) {
      const s0 = performance.now();
      card.moveTo(p);
      steps.push((await painted(card.element, card.step, s0)).ms);
    }
    // And back again: the images now come from the cache.
    const cached: number[] = [];
    for (let p = 1; p <= 9; p++) {
      const s0 = performance.now();
      card.moveTo(p);
      cached.push((await painted(card.element, card.step, s0)).ms);
    }
    const hist = b.section.card('weights');
    hist.element.scrollIntoView();
    await frame();
    const h0 = performance.now();
    hist.draw();
    const offset = performance.now() - h0;
    hist.setMode('distribution', false);
    const d0 = performance.now();
    hist.draw();
    const distribution = performance.now() - d0;
    return { grid, listed, total, built, steps, cached, offset, distribution, reads: readAtPaint, uptime: performance.now() };
});
}
