// The groups benchmark's page: 1,000 runs x 1,000 points made in the page, charted the two ways the
// charts panel can chart them. Each measure draws into a fresh chart: grouping, aggregating (with the
// default smoothing), building the option, echarts' setOption and the frame it paints in.
import { DEFAULT_SETTINGS, type RunSeries } from '../../../shared/ui/src/charts/chartTypes.js';
import { echarts } from '../../../shared/ui/src/charts/echarts.js';
import { buildScalarOption } from '../../../shared/ui/src/charts/scalarOption.js';
import { groupCardSeries } from '../../../shared/ui/src/groups/groupChart.js';
import { groupRuns, type GroupInput } from '../../../shared/ui/src/groups/groupRuns.js';

const RUNS = 1000;
const POINTS = 1000; // what the panel fetches per line (FULL_VIEW_POINTS)
const theme = { foreground: '#1f2328', muted: '#6e7781', background: '#ffffff', grid: '#d0d7de', accent: '#0969da', fontFamily: 'sans-serif' };
const settings = { ...DEFAULT_SETTINGS, smoothing: 0.6 };

const runs: GroupInput[] = [];
const byRun = new Map<string, RunSeries>();
let x = 1;
const noise = () => ((x = (x * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
for (let r = 0; r < RUNS; r++) {
  const key = `store::run${r}`;
  const lr = [0.1, 0.05, 0.03, 0.01, 0.005, 0.003, 0.001, 0.0005, 0.0003, 0.0001][r % 10]!;
  runs.push({ key, run: { id: `run${r}`, name: `run ${r}`, kind: 'script', params: { lr, layers: 4, seed: r }, tags: {} } });
  // Seeds log on slightly different grids (every 1 or 2 steps), as real runs often do.
  const stride = 1 + (r % 2);
  const steps = Array.from({ length: POINTS }, (_, i) => i * stride);
  byRun.set(key, {
    runKey: key, label: `run ${r}`, color: '#3366cc', rank: null, steps,
    times: steps.map((s) => 1.7e9 + s), values: steps.map((s) => Math.exp(-s / (300 + lr * 1000)) + 0.1 + noise()),
  });
}

async function draw(series: () => RunSeries[]): Promise<{ ms: number; computeMs: number; lines: number }> {
  const div = document.createElement('div');
  div.style.cssText = 'width:900px;height:320px';
  document.body.replaceChildren(div);
  const chart = echarts.init(div, undefined, { renderer: 'canvas' });
  const t0 = performance.now();
  const s = series();
  const computeMs = performance.now() - t0;
  chart.setOption(buildScalarOption({ key: 'loss', series: s }, settings, theme));
  await new Promise((r) => requestAnimationFrame(r)); // echarts paints in its own frame callback, queued before this one
  const ms = performance.now() - t0;
  chart.dispose();
  return { ms, computeMs, lines: s.length };
}

const bench = {
  grouped: () => draw(() => groupCardSeries(groupRuns(runs, { kind: 'except', keys: ['seed'] }), byRun, { smoothing: settings.smoothing, band: 'minmax', expanded: new Set(), colors: new Map(), labels: new Map() })),
  plain: () => draw(() => [...byRun.values()]),
};
(window as unknown as { bench: typeof bench }).bench = bench;
