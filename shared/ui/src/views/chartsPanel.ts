// The charts panel both editors mount: a toolbar (filters, smoothing, axes), a legend with one
// stable colour per run, cards grouped by key prefix (train/, val/), and the comparison of the runs.
// Data comes through the HostBridge; live points are appended from its feed without a refetch.
import { fromJsonNumber, type MetricSeries, type StoreEvent } from '@runlane/protocol';
import { ChartCard } from '../charts/chartCard.js';
import { DEFAULT_SETTINGS, type CardData, type ChartSettings, type RunSeries } from '../charts/chartTypes.js';
import { echarts, type ECharts } from '../charts/echarts.js';
import { assignRunColors } from '../charts/runColors.js';
import { readTheme } from '../charts/theme.js';
import { runKey, type ChartsBridge, type RunRef, type SourcedRun } from '../hostBridge.js';
import { buildCompareRows, buildParallelOption } from './compareRows.js';
import { el } from './dom.js';
import { installStyles } from './styles.js';

const FULL_VIEW_POINTS = 1000;

export interface ChartsPanelOptions {
  settings?: Partial<ChartSettings>;
  /** Runs to show; all runs when absent. */
  runs?: RunRef[];
  /** Follow new runs as they appear (when showing all runs). */
  followNewRuns?: boolean;
}

/** Matches a metric key or run name against a filter box: `/regex/` or a case-insensitive substring. */
export function keyMatcher(filter: string): (key: string) => boolean {
  const trimmed = filter.trim();
  if (!trimmed) return () => true;
  const regex = /^\/(.+)\/([a-z]*)$/.exec(trimmed);
  if (regex) {
    try {
      const re = new RegExp(regex[1]!, regex[2]!.includes('i') ? 'i' : '');
      return (key) => re.test(key);
    } catch {
      return () => false;
    }
  }
  const needle = trimmed.toLowerCase();
  return (key) => key.toLowerCase().includes(needle);
}

export function groupOf(key: string): string {
  const slash = key.indexOf('/');
  return slash > 0 ? key.slice(0, slash) : '';
}

export class ChartsPanel {
  readonly root: HTMLElement;
  private settings: ChartSettings;
  private runs = new Map<string, SourcedRun>();
  private hiddenRuns = new Set<string>();
  private series = new Map<string, Map<string, RunSeries>>(); // metric key -> run key -> series
  private cards = new Map<string, ChartCard>();
  private colors = new Map<string, string>();
  private keyFilter = '';
  private runFilter = '';
  private parallel: ECharts | null = null;
  private unsubscribe: () => void = () => {};
  private dirty = new Set<string>();
  private frame = 0;
  private compareFrame = 0;
  private readonly cardsHost: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly compareHost: HTMLElement;
  private readonly status: HTMLElement;

  constructor(
    host: HTMLElement,
    private readonly bridge: ChartsBridge,
    private readonly options: ChartsPanelOptions = {},
  ) {
    installStyles(host.ownerDocument);
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.root = el('div', { className: 'rl-root' });
    this.status = el('span', { className: 'rl-status' });
    this.legend = el('div', { className: 'rl-legend' });
    this.cardsHost = el('div', { className: 'rl-groups' });
    this.compareHost = el('div', { className: 'rl-compare' });
    this.root.append(this.toolbar(), this.legend, this.cardsHost, this.compareHost);
    host.appendChild(this.root);
  }

  /** Loads the runs and their series, then follows the live feed. */
  async load(): Promise<void> {
    this.status.textContent = 'loading…';
    const wanted = this.options.runs ? new Set(this.options.runs.map(runKey)) : null;
    for (const sourced of await this.bridge.listRuns()) {
      const key = runKey({ source: sourced.source, id: sourced.run.id });
      if (!wanted || wanted.has(key)) this.runs.set(key, sourced);
    }
    this.colors = assignRunColors([...this.runs.keys()]);
    this.unsubscribe = this.bridge.subscribe((event) => this.onEvent(event));
    await Promise.all([...this.runs.values()].flatMap((r) => Object.keys(r.run.metrics).map((k) => this.fetch(r, k))));
    this.renderAll();
    this.status.textContent = '';
  }

  setDark(dark: boolean): void {
    this.root.classList.toggle('rl-dark', dark);
    this.renderAll();
  }

  dispose(): void {
    this.unsubscribe();
    cancelAnimationFrame(this.frame);
    cancelAnimationFrame(this.compareFrame);
    for (const card of this.cards.values()) card.dispose();
    this.parallel?.dispose();
    this.root.remove();
  }

  private async fetch(run: SourcedRun, key: string, range?: { from: number; to: number }, points = FULL_VIEW_POINTS): Promise<void> {
    const ref = { source: run.source, id: run.run.id };
    const data = await this.bridge.getSeries(ref, key, { points, fromStep: range?.from, toStep: range?.to });
    this.putSeries(run, key, data);
  }

  private putSeries(run: SourcedRun, key: string, data: MetricSeries): void {
    const rk = runKey({ source: run.source, id: run.run.id });
    let byRun = this.series.get(key);
    if (!byRun) this.series.set(key, (byRun = new Map()));
    byRun.set(rk, {
      runKey: rk,
      label: run.run.name,
      color: this.colors.get(rk) ?? '#888',
      steps: data.steps,
      times: data.times,
      values: data.values.map(fromJsonNumber),
    });
  }

  private onEvent(event: StoreEvent): void {
    if (event.type === 'metrics') {
      const rk = runKey({ source: event.store, id: event.run_id });
      const run = this.runs.get(rk);
      if (!run) return;
      const s = this.series.get(event.key)?.get(rk);
      if (!s) {
        this.putSeries(run, event.key, { run: event.run_id, key: event.key, rank: event.rank, steps: event.steps, times: event.times, values: event.values, total: event.steps.length, downsampled: false });
        this.renderAll();
        return;
      }
      s.steps.push(...event.steps);
      s.times.push(...event.times);
      s.values.push(...event.values.map(fromJsonNumber));
      this.schedule(event.key);
    } else if (event.type === 'run-created' || event.type === 'run-updated') {
      const rk = runKey({ source: event.store, id: event.run.id });
      const known = this.runs.get(rk);
      if (known) known.run = event.run;
      else if (event.type === 'run-created' && !this.options.runs && this.options.followNewRuns !== false) {
        this.runs.set(rk, { source: event.store, run: event.run });
        this.colors = assignRunColors([...this.runs.keys()]);
        this.renderAll();
      }
      this.renderLegend();
    } else if (event.type === 'reset') {
      void this.reload();
    }
  }

  private async reload(): Promise<void> {
    this.series.clear();
    this.runs.clear();
    this.unsubscribe();
    await this.load();
  }

  /** Live points are drawn at most once per frame per card, however fast they arrive. */
  private schedule(key: string): void {
    this.dirty.add(key);
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      for (const k of this.dirty) this.cards.get(k)?.update(this.cardData(k), this.settings, readTheme(this.root));
      this.dirty.clear();
    });
  }

  private visibleRunKeys(): string[] {
    const match = keyMatcher(this.runFilter);
    return [...this.runs.keys()].filter((rk) => {
      if (this.hiddenRuns.has(rk)) return false;
      const run = this.runs.get(rk)!.run;
      return match(run.name) || match(run.id) || match(run.experiment);
    });
  }

  private cardData(key: string): CardData {
    const byRun = this.series.get(key) ?? new Map<string, RunSeries>();
    const series = this.visibleRunKeys().flatMap((rk) => {
      const s = byRun.get(rk);
      return s ? [{ ...s, label: this.runs.get(rk)!.run.name, color: this.colors.get(rk) ?? s.color }] : [];
    });
    return { key, series };
  }

  private renderAll(): void {
    this.renderLegend();
    this.renderCards();
    // The comparison sits below the charts: draw it after they are painted, not before.
    cancelAnimationFrame(this.compareFrame);
    this.compareFrame = requestAnimationFrame(() => setTimeout(() => this.renderCompare(), 0));
  }

  private renderLegend(): void {
    this.legend.replaceChildren(
      ...[...this.runs.entries()].map(([rk, { run }]) => {
        const item = el('span', { className: `rl-legend-item${this.hiddenRuns.has(rk) ? ' rl-hidden' : ''}`, title: `${run.id} (${run.status})` });
        const swatch = el('span', { className: 'rl-swatch' });
        swatch.style.background = this.colors.get(rk) ?? '#888';
        item.append(swatch, el('span', { textContent: run.name }), el('span', { className: 'rl-status', textContent: run.status === 'running' ? '● live' : '' }));
        item.addEventListener('click', () => {
          if (this.hiddenRuns.has(rk)) this.hiddenRuns.delete(rk);
          else this.hiddenRuns.add(rk);
          this.renderAll();
        });
        return item;
      }),
    );
  }

  private renderCards(): void {
    const match = keyMatcher(this.keyFilter);
    const keys = [...this.series.keys()].filter(match).sort();
    const theme = readTheme(this.root);
    for (const [key, card] of this.cards) {
      if (!keys.includes(key)) {
        card.dispose();
        this.cards.delete(key);
      }
    }
    const before = new Set(this.cards.values());
    const groups = new Map<string, string[]>();
    for (const key of keys) groups.set(groupOf(key), [...(groups.get(groupOf(key)) ?? []), key]);
    const sections: HTMLElement[] = [];
    for (const [group, groupKeys] of [...groups].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)))) {
      const details = el('details', { className: 'rl-group', open: true });
      const summary = el('summary', { textContent: group || 'other' });
      summary.append(el('span', { className: 'rl-group-count', textContent: String(groupKeys.length) }));
      const grid = el('div', { className: 'rl-cards' });
      for (const key of groupKeys) grid.appendChild(this.cardElement(key, theme));
      details.append(summary, grid);
      sections.push(details);
    }
    const created = new Set([...this.cards.values()].filter((c) => !before.has(c))); // drawn when made
    if (sections.length === 0) sections.push(el('div', { className: 'rl-empty', textContent: this.runs.size ? 'No metric matches the filter.' : 'No runs to show yet.' }));
    this.cardsHost.replaceChildren(...sections);
    for (const card of this.cards.values()) if (!created.has(card)) card.update(this.cardData(card.key), this.settings, theme);
  }

  private cardElement(key: string, theme: ReturnType<typeof readTheme>): HTMLElement {
    const existing = this.cards.get(key);
    if (existing) return existing.element.parentElement!;
    const box = el('div', { className: 'rl-card' });
    box.dataset.key = key;
    const head = el('div', { className: 'rl-card-head' });
    const png = el('button', { textContent: 'PNG', title: 'Download this chart as PNG' });
    const csv = el('button', { textContent: 'CSV', title: "Download this chart's data as CSV" });
    head.append(el('span', { className: 'rl-card-title', textContent: key, title: key }), png, csv);
    const chartEl = el('div', { className: 'rl-chart' });
    box.append(head, chartEl);
    const card = new ChartCard(chartEl, this.cardData(key), this.settings, theme, (range) => void this.zoom(key, range, card));
    png.addEventListener('click', () => download(`${safeName(key)}.png`, card.toPng()));
    csv.addEventListener('click', () => download(`${safeName(key)}.csv`, `data:text/csv;charset=utf-8,${encodeURIComponent(card.toCsv())}`));
    this.cards.set(key, card);
    return box;
  }

  /** A zoom fetches the visible step range again at full resolution (step axis only). */
  private async zoom(key: string, range: { from: number; to: number } | null, card: ChartCard): Promise<void> {
    if (this.settings.xAxis !== 'step') return;
    const from = range ? Math.floor(range.from) : undefined;
    const to = range ? Math.ceil(range.to) : undefined;
    await Promise.all(
      this.visibleRunKeys().map((rk) => {
        const run = this.runs.get(rk)!;
        if (!(key in run.run.metrics) && !this.series.get(key)?.has(rk)) return Promise.resolve();
        return this.fetch(run, key, from !== undefined && to !== undefined ? { from, to } : undefined, card.width);
      }),
    );
    card.update(this.cardData(key), this.settings, readTheme(this.root));
  }

  private renderCompare(): void {
    const runs = this.visibleRunKeys().map((rk) => this.runs.get(rk)!.run);
    this.parallel?.dispose();
    this.parallel = null;
    if (runs.length < 2) {
      this.compareHost.replaceChildren();
      return;
    }
    const table = el('table');
    const head = el('tr');
    head.append(el('th', { textContent: '' }), ...runs.map((r) => el('th', { textContent: r.name, title: r.id })));
    table.append(head);
    for (const row of buildCompareRows(runs)) {
      const tr = el('tr', { className: row.differs ? 'rl-differs' : '' });
      tr.append(el('td', { textContent: row.label }), ...row.cells.map((c) => el('td', { textContent: c })));
      table.append(tr);
    }
    const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
    const chooser = el('select', { title: 'Metric for the parallel coordinates' });
    chooser.append(...metrics.map((m) => el('option', { value: m, textContent: m })));
    const plot = el('div', { className: 'rl-parallel' });
    const title = el('div', { className: 'rl-toolbar' });
    const label = el('label', { textContent: 'Params vs' });
    label.append(chooser);
    title.append(label);
    this.compareHost.replaceChildren(el('h3', { textContent: 'Compare runs' }), table, title, plot);
    if (metrics.length) {
      const chart = echarts.init(plot);
      this.parallel = chart;
      const draw = () => chart.setOption(buildParallelOption(runs, chooser.value, this.colors, (r) => [...this.runs].find(([, s]) => s.run === r)?.[0] ?? '', readTheme(this.root)), { notMerge: true });
      chooser.addEventListener('change', draw);
      draw();
    }
  }

  private toolbar(): HTMLElement {
    const bar = el('div', { className: 'rl-toolbar' });
    const keys = el('input', { type: 'search', placeholder: 'Filter metrics (text or /regex/)' });
    keys.addEventListener('input', () => {
      this.keyFilter = keys.value;
      this.renderCards();
    });
    const runs = el('input', { type: 'search', placeholder: 'Filter runs (text or /regex/)' });
    runs.addEventListener('input', () => {
      this.runFilter = runs.value;
      this.renderAll();
    });
    const smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: String(this.settings.smoothing) });
    const smoothingValue = el('input', { type: 'number', className: 'rl-smoothing-value', min: '0', max: '0.99', step: '0.01', value: String(this.settings.smoothing) });
    const setSmoothing = (v: string) => {
      this.settings = { ...this.settings, smoothing: Math.min(0.99, Math.max(0, Number(v) || 0)) };
      smoothing.value = smoothingValue.value = String(this.settings.smoothing);
      this.renderCards();
    };
    smoothing.addEventListener('input', () => setSmoothing(smoothing.value));
    smoothingValue.addEventListener('change', () => setSmoothing(smoothingValue.value));
    const xAxis = el('select');
    xAxis.append(...(['step', 'relative', 'wall'] as const).map((v) => el('option', { value: v, textContent: v === 'relative' ? 'relative time' : v === 'wall' ? 'wall time' : 'step', selected: v === this.settings.xAxis })));
    xAxis.addEventListener('change', () => {
      this.settings = { ...this.settings, xAxis: xAxis.value as ChartSettings['xAxis'] };
      this.renderCards();
    });
    const log = el('input', { type: 'checkbox', checked: this.settings.yScale === 'log' });
    log.addEventListener('change', () => {
      this.settings = { ...this.settings, yScale: log.checked ? 'log' : 'linear' };
      this.renderCards();
    });
    const outliers = el('input', { type: 'checkbox', checked: this.settings.ignoreOutliers });
    outliers.addEventListener('change', () => {
      this.settings = { ...this.settings, ignoreOutliers: outliers.checked };
      this.renderCards();
    });
    const labelled = (text: string, ...children: HTMLElement[]) => {
      const label = el('label', { textContent: text });
      label.append(...children);
      return label;
    };
    bar.append(keys, runs, labelled('Smoothing', smoothing, smoothingValue), labelled('X axis', xAxis), labelled('Log scale', log), labelled('Ignore outliers', outliers), this.status);
    return bar;
  }
}

function safeName(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

function download(name: string, href: string): void {
  const a = el('a', { href, download: name });
  a.click();
}

