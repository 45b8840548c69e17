// The media cards in headless Chromium (shared/ui/src/media): a grid of 1,000 images (100 keys x 10
// runs, each key with 10 steps) from the data's arrival to every image on screen decoded and painted
// (target <= 300 ms), the step slider (one card, 10 runs: to the new step's images painted, target
// <= 50 ms per step: dragged back-to-back, after a pause as a user looks at each step, and back over
// seen steps; the rounds take turns with the idle prefetch of neighbouring steps off and on, so the
// two are measured on the same machine at the same time), and histograms of 10 runs x 1,000 steps drawn in either view (<= 300 ms). The
// bridge is in memory (test/bench/media/page.ts): the cards' own work is measured, not the network.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startHarness } from '../e2e/charts/harness.js';
import { measure } from './media/measure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const results = path.join(here, 'results');

const ROUNDS = 6; // taking turns: prefetch off, on, off, on, ...
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
      outs.push(await measure(page, round % 2 === 1));
      await page.close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
    const of = (pick: (o: Measured) => number, set = outs) => median(set.map(pick));
    const on = outs.filter((o) => o.prefetch);
    const off = outs.filter((o) => !o.prefetch);
    const p50 = (xs: number[]) => median(xs);
    // Per mode, the steps of its rounds pooled: p50 and p95 over 3 rounds x 9 steps.
    const pooled = (set: Measured[], pick: (o: Measured) => number[]) => set.flatMap(pick);
    const stepRows = ([['off', off], ['on', on]] as const).flatMap(([mode, set]) => {
      const row = (what: string, xs: number[]) => ({ measure: `step slider, prefetch ${mode}: ${what} (p50 ${Math.round(p50(xs))} ms, p95 of ${xs.length})`, ms: Math.round(p95(xs)), target: '<= 50 ms', pass: p95(xs) <= 50 });
      return [row('new step, after a 300 ms look', pooled(set, (o) => o.paused)), row('new step, dragged back-to-back', pooled(set, (o) => o.steps)), row('back over seen steps', pooled(set, (o) => o.cached))];
    });
    const out = {
      grid: { ms: of((o) => o.grid.ms), frames: outs[0]!.grid.frames },
      gridAll: outs.map((o) => Math.round(o.grid.ms)),
      listed: of((o) => o.listed),
      total: outs[0]!.total,
      built: of((o) => o.built),
      reads: of((o) => o.reads),
      offset: of((o) => o.offset),
      distribution: of((o) => o.distribution),
    };
    const rows = [
      { measure: `first paint: grid of ${out.total} images (10 runs), the ${out.grid.frames} on screen decoded (median of ${ROUNDS} pages: ${out.gridAll.join(', ')})`, ms: Math.round(out.grid.ms), target: '<= 300 ms', pass: out.grid.ms <= 300 },
      ...stepRows,
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
