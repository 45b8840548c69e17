// The comparison under the charts, drawn from compareRows.ts: the table (runs by their labels, marked
// with their chart colour, their status as a word) and the parallel-coordinates chart of the params
// that vary against a metric.
import type { RunSummary } from '@runlane/protocol';
import type { ChartTheme } from '../charts/chartTypes.js';
import { echarts, type ECharts } from '../charts/echarts.js';
import { mainMetric } from '../runs/runList.js';
import { duplicateNames, runLabel } from '../runs/runLabel.js';
import { buildCompareRows, buildParallelOption, compareHeaders, parallelParams } from './compareRows.js';
import { el } from './dom.js';

/** Fills `host` with the comparison of `runs` (nothing for fewer than two); returns the chart to dispose. */
export function renderCompare(host: HTMLElement, runs: RunSummary[], colors: Map<string, string>, keyOf: (r: RunSummary) => string, theme: ChartTheme): ECharts | null {
  if (runs.length < 2) {
    host.replaceChildren();
    return null;
  }
  const dup = duplicateNames(runs);
  const table = el('table');
  const head = el('tr');
  head.append(
    el('th', { textContent: '' }),
    ...compareHeaders(runs, runs.map((r) => runLabel(r, dup)), colors, keyOf, theme.accent).map((h) => {
      const mark = el('span', { className: 'rl-run-mark', title: 'the run\'s colour on the charts' });
      mark.style.background = h.color;
      const th = el('th', { title: h.title }, mark, el('span', { className: 'rl-compare-name', textContent: h.label }), el('span', { className: `rl-pill rl-status-${h.status}`, textContent: h.status }));
      th.dataset.status = h.status;
      return th;
    }),
  );
  table.append(head);
  for (const row of buildCompareRows(runs)) {
    const tr = el('tr', { className: row.differs ? 'rl-differs' : '' });
    tr.append(el('td', { textContent: row.label }), ...row.cells.map((c) => el('td', { textContent: c })));
    table.append(tr);
  }
  const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const chooser = el('select', { title: 'Metric for the parallel coordinates' });
  chooser.append(...metrics.map((m) => el('option', { value: m, textContent: m })));
  // The metric people watch (validation first, as the sidebars' main metric), not the first by name.
  const watched = runs.map((r) => mainMetric(r)?.key).find((k) => k !== undefined);
  if (watched) chooser.value = watched;
  const plot = el('div', { className: 'rl-parallel' });
  const title = el('div', { className: 'rl-toolbar' });
  const label = el('label', { textContent: 'Params vs' });
  label.append(chooser);
  const constant = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].filter((k) => !parallelParams(runs).includes(k));
  title.append(label);
  if (constant.length) title.append(el('span', { className: 'rl-status', textContent: `not shown (the same in every run or not numbers): ${constant.sort().join(', ')}` }));
  host.replaceChildren(el('h3', { textContent: 'Compare runs' }), table, title, plot);
  if (!metrics.length) return null;
  const chart = echarts.init(plot);
  const draw = () => chart.setOption(buildParallelOption(runs, chooser.value, colors, keyOf, theme, plot.clientWidth), { notMerge: true });
  chooser.addEventListener('change', draw);
  draw();
  return chart;
}
