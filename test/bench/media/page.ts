// The media cards' benchmark page: a MediaSection over an in-memory bridge (no daemon: the cards'
// own work is measured). 10 runs x 100 image keys x 10 steps of 64x64 PNGs (made once per colour
// with a canvas), and 10 runs x 1,000 steps of one histogram key. Timings are read by the runner.
import type { HistogramSeries, HistogramStep, MediaItem, RunDetail, RunRef } from '@runlane/protocol';
import { readTheme } from '../../../shared/ui/src/charts/theme.js';
import { mediaPrefetch } from '../../../shared/ui/src/media/mediaCard.js';
import { MediaSection } from '../../../shared/ui/src/media/mediaSection.js';
import { installStyles } from '../../../shared/ui/src/views/styles.js';

const RUNS = 10;
const KEYS = 100;
const STEPS = 10;
const HIST_STEPS = 1000;
const COLOURS = ['#d1495b', '#edae49', '#00798c', '#30638e', '#003d5b', '#6a4c93', '#8ac926', '#1982c4', '#ff595e', '#ffca3a'];

async function png(colour: string, step: number): Promise<Uint8Array> {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, 64, 64);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, 6 * (step + 1), 8);
  const blob = await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'));
  return new Uint8Array(await blob.arrayBuffer());
}

function histogram(run: number, step: number): HistogramStep {
  const buckets = 30;
  const mean = run * 0.3 + step / 500;
  const sd = 1 + run * 0.05;
  const edges = Array.from({ length: buckets + 1 }, (_, i) => mean - 3 * sd + (6 * sd * i) / buckets);
  const counts = Array.from({ length: buckets }, (_, i) => Math.round(1000 * Math.exp(-(((edges[i]! + edges[i + 1]!) / 2 - mean) ** 2) / (2 * sd * sd))));
  return { step, wall_time: 1.7e9 + step, edges, counts, count: counts.reduce((a, b) => a + b, 0), min: edges[0]!, max: edges[buckets]!, sum: 0 };
}

// Everything the bridge answers is made before the clock starts: the cards' work is what is timed.
const bytes = new Map<string, Uint8Array>();
const items = new Map<string, MediaItem[]>();
const histograms = new Map<string, HistogramStep[]>();
const ready = (async () => {
  for (let r = 0; r < RUNS; r++) for (let s = 0; s < STEPS; s++) bytes.set(`${r}:${s}`, await png(COLOURS[r]!, s));
  for (let r = 0; r < RUNS; r++) {
    items.set(
      String(r),
      Array.from({ length: KEYS * STEPS }, (_, i) => {
        const key = `samples/${String(Math.floor(i / STEPS)).padStart(3, '0')}`;
        const step = i % STEPS;
        return { key, step, wall_time: 1.7e9 + step, kind: 'image' as const, caption: `step ${step}`, mime: 'image/png', width: 64, height: 64, size: 200, ref: `${r}:${key}:${step}` };
      }),
    );
    histograms.set(String(r), Array.from({ length: HIST_STEPS }, (_, s) => histogram(r, s)));
  }
})();

const timing = { readMedia: 0, refs: [] as string[] };
const bridge = {
  listMedia: async (run: RunRef) => items.get(run.id)!,
  readMedia: async (_run: RunRef, ref: string) => {
    timing.readMedia++;
    timing.refs.push(ref);
    // Every item has its own ref (as in a store), so each is read and decoded once; the bytes are
    // shared per run and step.
    const [run, , step] = ref.split(':');
    return bytes.get(`${run}:${step}`)!;
  },
  getRun: async (run: RunRef) => ({ id: run.id, histogram_keys: ['weights'] }) as RunDetail,
  getHistograms: async (run: RunRef, key: string): Promise<HistogramSeries> => ({ run: run.id, key, steps: histograms.get(run.id)! }),
};

document.body.style.margin = '0';
installStyles(document);
const rootEl = document.createElement('div');
rootEl.className = 'rl-root';
document.getElementById('app')!.append(rootEl);
const section = new MediaSection(bridge, () => readTheme(rootEl));
rootEl.append(section.element);
const runs = Array.from({ length: RUNS }, (_, r) => ({ key: String(r), ref: { source: 'bench', id: String(r) }, label: `run ${r}`, color: COLOURS[r]! }));
(window as unknown as Record<string, unknown>).bench = { section, runs, ready, timing, prefetch: mediaPrefetch };
