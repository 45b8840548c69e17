// The charts panel both editors mount: a toolbar (filters, smoothing, axes, ranks), a legend with one
// stable colour per run, resizable cards grouped by key prefix (train/, val/), and the comparison of
// the runs. Data comes through the HostBridge; live points are appended from its feed without a
// refetch. A job's ranks are kept apart (contract C1): rank 0 by default, every rank or their mean
// on demand. What the user chooses is remembered (panelState.ts).
import { fromJsonNumber, type MetricSeries, type RunSummary, type StoreEvent } from '@runlane/protocol';
import { applyCardSize, layoutGrid, makeResizable } from '../charts/cardResize.js';
import { ChartCard } from '../charts/chartCard.js';
import { withOverview } from '../charts/zoomMerge.js';
import { DEFAULT_SETTINGS, type CardData, type ChartSettings, type RankMode, type RunSeries } from '../charts/chartTypes.js';
import type { ECharts } from '../charts/echarts.js';
import { loadRemembered, parseState, remember, type ChartsPanelState } from '../charts/panelState.js';
import { legendLines, meanOverRanks, rankLabel } from '../charts/ranks.js';
import { assignRunColors, rememberColors, rememberedColors } from '../charts/runColors.js';
import { statusColor } from '../charts/statusColors.js';
import { bandOpacity } from '../charts/scalarOption.js';
import { readTheme } from '../charts/theme.js';
import { meanStdOverRanks } from '../groups/groupChart.js';
import type { GroupInput } from '../groups/groupRuns.js';
import { GroupView } from '../groups/groupView.js';
import { runKey, type ChartsBridge, type RunRef, type SourcedRun } from '../hostBridge.js';
import { duplicateNames, runLabel } from '../runs/runLabel.js';
import { renderCompare } from './compareView.js';
import { el } from './dom.js';
import { installStyles } from './styles.js';
import { MediaSection, type MediaSectionBridge } from '../media/mediaSection.js';
import { compareGroups } from './systemSummary.js';

const FULL_VIEW_POINTS = 1000;

export interface ChartsPanelOptions {
  settings?: Partial<ChartSettings>;
  /** Runs to show; all runs when absent. */
  runs?: RunRef[];
  /** Follow new runs as they appear (when showing all runs). */
  followNewRuns?: boolean;
  /** This panel's state as its host kept it (VS Code's webview state); wins over remembered choices. */
  state?: ChartsPanelState;
  /** Called with the state after each change the user makes, for the host to keep with the panel. */
  onStateChange?: (state: ChartsPanelState) => void;
}

/** The ranks a run shows apart: only a run whose metrics came from more than rank 0. */
function runRanks(run: RunSummary): number[] {
  const ranks = run.ranks ?? []; // runs from older daemons and other sources may carry none
  return ranks.length > 1 || (ranks.length === 1 && ranks[0] !== 0) ? ranks : [];
}

/** A short line drawn as the cards draw it (colour, dash, band), built as SVG nodes. */
function lineSample(color: string, dash: number[] | 'solid', band: boolean, bandAlpha: number): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const attrs = (node: Element, values: Record<string, string | number>) => Object.entries(values).forEach(([k, v]) => node.setAttribute(k, String(v)));
  attrs(svg, { width: 24, height: 10, viewBox: '0 0 24 10', class: 'rl-line-sample', 'aria-hidden': 'true' });
  if (band) {
    const rect = document.createElementNS(ns, 'rect');
    attrs(rect, { x: 0, y: 1, width: 24, height: 8, fill: color, 'fill-opacity': bandAlpha });
    svg.append(rect);
  }
  const line = document.createElementNS(ns, 'line');
  attrs(line, { x1: 0, y1: 5, x2: 24, y2: 5, stroke: color, 'stroke-width': 2, ...(dash === 'solid' ? {} : { 'stroke-dasharray': dash.join(' ') }) });
  svg.append(line);
  return svg;
}

/** The key of one line's series: the run's key for its primary series, `<run key>#<rank>` for a rank. */
function lineKey(rk: string, rank: number | null): string {
  return rank === null ? rk : `${rk}#${rank}`;
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
  private state: ChartsPanelState;
  private runs = new Map<string, SourcedRun>();
  private hiddenRuns = new Set<string>();
  /** Runs added after the start (addRuns): a reload after a reset lists them with options.runs. */
  private added: RunRef[] = [];
  /** `<key>\n<line key>` of ranks that logged nothing under that key. */
  private noRankSeries = new Set<string>();
  private series = new Map<string, Map<string, RunSeries>>(); // metric key -> line key (run, or run#rank) -> series
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
  private readonly rankControl: HTMLElement;
  private readonly grouping: GroupView; // "Group by": one line per group of runs (groups/)
  private readonly relayout: ResizeObserver;
  /** Images, texts and histograms below the scalar cards (media/), when the host serves them. */
  private readonly media: MediaSection | null;

  constructor(
    host: HTMLElement,
    private readonly bridge: ChartsBridge,
    private readonly options: ChartsPanelOptions = {},
  ) {
    installStyles(host.ownerDocument);
    // The host's defaults (editor settings), then what the user last chose in any panel, then this one.
    const remembered = loadRemembered();
    const own = options.state ? parseState(options.state) : { choices: {}, cards: {} };
    this.state = { choices: { ...remembered.choices, ...own.choices }, cards: { ...remembered.cards, ...own.cards } };
    this.settings = { ...DEFAULT_SETTINGS, ...options.settings, ...this.state.choices };
    this.root = el('div', { className: 'rl-root' });
    this.status = el('span', { className: 'rl-status' });
    this.rankControl = el('label', { textContent: 'Ranks', className: 'rl-rank-control', title: "A job's workers: rank 0, every rank, or their mean with the min-max band" });
    this.legend = el('div', { className: 'rl-legend' });
    this.cardsHost = el('div', { className: 'rl-groups' });
    this.compareHost = el('div', { className: 'rl-compare' });
    this.grouping = new GroupView(() => this.settings, (patch) => {
      this.choose(patch);
      this.renderAll();
    });
    const mediaBridge = bridge as ChartsBridge & MediaSectionBridge;
    this.media = MediaSection.supported(mediaBridge) ? new MediaSection(mediaBridge, () => readTheme(this.root)) : null;
    this.root.append(this.toolbar(), this.legend, this.cardsHost, ...(this.media ? [this.media.element] : []), this.compareHost);
    host.appendChild(this.root);
    // The grid's column count follows the panel's width: spans of widened cards are clamped again.
    // Only a change of width matters (a card's own resize changes the height, mid-drag).
    let width = 0;
    this.relayout = new ResizeObserver(() => {
      if (this.cardsHost.clientWidth === width) return;
      width = this.cardsHost.clientWidth;
      this.applySizes();
    });
    this.relayout.observe(this.cardsHost);
  }

  /** What the panel remembers; also given to `onStateChange` after every change. */
  getState(): ChartsPanelState {
    return { choices: { ...this.state.choices }, cards: { ...this.state.cards } };
  }

  /** Loads the runs and their series, then follows the live feed. */
  async load(): Promise<void> {
    this.status.textContent = 'loading…';
    const wanted = this.options.runs ? new Set([...this.options.runs, ...this.added].map(runKey)) : null;
    for (const sourced of await this.bridge.listRuns()) {
      const key = runKey({ source: sourced.source, id: sourced.run.id });
      if (!wanted || wanted.has(key)) this.runs.set(key, sourced);
    }
    this.assignColors();
    this.unsubscribe = this.bridge.subscribe((event) => this.onEvent(event));
    await Promise.all([...this.runs.values()].flatMap((r) => Object.keys(r.run.metrics).map((k) => this.fetch(r, k))));
    if (this.settings.ranks !== 'primary') await this.fetchRanks();
    this.renderAll();
    this.status.textContent = '';
  }

  /**
   * More runs into a panel opened on a list of runs (a sweep's new trial): drawn into the cards there
   * are, so the user's zoom, hidden runs, filters and smoothing stay (a new panel lost them all).
   */
  async addRuns(runs: SourcedRun[]): Promise<void> {
    const fresh = runs.filter((r) => !this.runs.has(runKey({ source: r.source, id: r.run.id })));
    if (!fresh.length) return;
    for (const r of fresh) {
      this.added.push({ source: r.source, id: r.run.id });
      this.runs.set(runKey({ source: r.source, id: r.run.id }), r);
    }
    this.assignColors();
    await Promise.all(fresh.flatMap((r) => Object.keys(r.run.metrics).map((k) => this.fetch(r, k))));
    if (this.settings.ranks !== 'primary') await this.fetchRanks();
    this.renderAll();
  }

  setDark(dark: boolean): void {
    this.root.classList.toggle('rl-dark', dark);
    this.renderAll();
  }

  dispose(): void {
    this.unsubscribe();
    cancelAnimationFrame(this.frame);
    cancelAnimationFrame(this.compareFrame);
    this.relayout.disconnect();
    this.media?.dispose();
    for (const card of this.cards.values()) card.dispose();
    this.parallel?.dispose();
    this.root.remove();
  }

  /** One series of a run: its primary series, or one rank's (`rank` given). */
  private async fetch(run: SourcedRun, key: string, range?: { from: number; to: number }, points = FULL_VIEW_POINTS, rank: number | null = null): Promise<void> {
    const ref = { source: run.source, id: run.run.id };
    const data = await this.bridge.getSeries(ref, key, { points, fromStep: range?.from, toStep: range?.to, ...(rank === null ? {} : { rank }) });
    this.putSeries(run, key, data, rank, range);
  }

  /** Every rank's series of the runs that have ranks, for the keys not fetched yet. */
  private async fetchRanks(): Promise<void> {
    await Promise.all(
      [...this.runs.entries()].flatMap(([rk, run]) =>
        runRanks(run.run).flatMap((rank) =>
          Object.keys(run.run.metrics)
            .filter((key) => !this.series.get(key)?.has(lineKey(rk, rank)) && !this.noRankSeries.has(`${key}\n${lineKey(rk, rank)}`))
            .map((key) => this.fetchRank(run, key, rank)),
        ),
      ),
    );
  }

  /**
   * One rank's series; a rank that did not log this key (rank 0 alone logs `val/loss`, say) is
   * answered with an error: that rank simply has no line on this card (until the feed brings one).
   */
  private async fetchRank(run: SourcedRun, key: string, rank: number, range?: { from: number; to: number }, points = FULL_VIEW_POINTS): Promise<void> {
    try {
      await this.fetch(run, key, range, points, rank);
    } catch {
      this.noRankSeries.add(`${key}\n${lineKey(runKey({ source: run.source, id: run.run.id }), rank)}`);
    }
  }

  private putSeries(run: SourcedRun, key: string, data: Pick<MetricSeries, 'steps' | 'times' | 'values'>, rank: number | null, zoomed?: { from: number; to: number }): void {
    const rk = runKey({ source: run.source, id: run.run.id });
    let byRun = this.series.get(key);
    if (!byRun) this.series.set(key, (byRun = new Map<string, RunSeries>()));
    const points = { steps: data.steps, times: data.times, values: data.values.map(fromJsonNumber) };
    byRun.set(lineKey(rk, rank), {
      runKey: lineKey(rk, rank),
      label: run.run.name,
      color: this.colors.get(rk) ?? '#888',
      // A zoom's answer replaces its range only: the line still crosses a window between two points.
      ...(zoomed ? withOverview(byRun.get(lineKey(rk, rank)), points, zoomed) : points),
      rank,
    });
  }

  private onEvent(event: StoreEvent): void {
    this.media?.onEvent(event);
    if (event.type === 'metrics') {
      const rk = runKey({ source: event.store, id: event.run_id });
      const run = this.runs.get(rk);
      if (!run) return;
      // Each rank's points go to that rank's line; rank 0's (and a rankless writer's) also to the
      // primary series, so two workers logging `loss` never merge into one staircase.
      const rank = event.rank ?? null;
      const targets: (number | null)[] = rank === null ? [null] : rank === 0 ? [null, 0] : [rank];
      let created = false;
      for (const target of targets) {
        const s = this.series.get(event.key)?.get(lineKey(rk, target));
        if (s) {
          s.steps.push(...event.steps);
          s.times.push(...event.times);
          s.values.push(...event.values.map(fromJsonNumber));
        } else if (target === null || this.settings.ranks !== 'primary') {
          this.putSeries(run, event.key, { steps: [...event.steps], times: [...event.times], values: event.values }, target);
          this.noRankSeries.delete(`${event.key}\n${lineKey(rk, target)}`);
          created = true;
        }
      }
      if (created) this.renderAll();
      else this.schedule(event.key);
    } else if (event.type === 'run-created' || event.type === 'run-updated') {
      const rk = runKey({ source: event.store, id: event.run.id });
      const known = this.runs.get(rk);
      if (known) {
        const ranksBefore = runRanks(known.run).join();
        // A rename, a status or params change shows in the compare table's headers and rows too.
        const compared = (r: RunSummary) => JSON.stringify([r.name, r.status, r.params]);
        if (compared(known.run) !== compared(event.run)) this.scheduleCompare();
        known.run = event.run;
        if (this.settings.ranks !== 'primary' && runRanks(event.run).join() !== ranksBefore) void this.fetchRanks().then(() => this.renderCards());
      }
      else if (event.type === 'run-created' && !this.options.runs && this.options.followNewRuns !== false) {
        this.runs.set(rk, { source: event.store, run: event.run });
        this.assignColors();
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

  /** Names shared by runs in this panel: their labels carry a short id (contract C5). */
  private duplicates(): Set<string> {
    return duplicateNames([...this.runs.values()].map((r) => r.run));
  }

  /** A card's lines: per run its primary series, or (ranks shown) one line per rank or their mean. */
  private cardData(key: string): CardData {
    const byRun = this.series.get(key) ?? new Map<string, RunSeries>();
    const dup = this.duplicates();
    const mode: RankMode = this.settings.ranks;
    if (this.grouping.active) {
      const runs = this.groupInputs();
      return { key, series: this.grouping.cardSeries(key, this.grouping.groups(runs), byRun, runs) };
    }
    const series = this.visibleRunKeys().flatMap((rk): RunSeries[] => {
      const run = this.runs.get(rk)!.run;
      const label = runLabel(run, dup);
      const color = this.colors.get(rk) ?? '#888';
      const perRank = mode === 'primary' ? [] : runRanks(run).flatMap((rank) => byRun.get(lineKey(rk, rank)) ?? []);
      if (perRank.length === 0 || (mode === 'mean' && perRank.length === 1)) { // a mean of one rank is that rank
        const s = byRun.get(rk);
        return s ? [{ ...s, label, color, rank: null }] : [];
      }
      if (mode === 'all') return perRank.map((s) => ({ ...s, label: rankLabel(label, s.rank!), color }));
      return [(this.settings.band === 'std' ? meanStdOverRanks : meanOverRanks)(perRank, `${rk}#mean`, label, color)];
    });
    return { key, series };
  }

  /** The shown runs as the groups see them (labels told apart as in the legend). */
  private groupInputs(): GroupInput[] {
    const dup = this.duplicates();
    return this.visibleRunKeys().map((rk) => ({ key: rk, run: this.runs.get(rk)!.run, label: runLabel(this.runs.get(rk)!.run, dup) }));
  }

  private renderAll(): void {
    this.renderLegend();
    this.renderCards();
    void this.media?.setRuns(this.visibleRunKeys().map((rk) => ({ key: rk, ref: { source: this.runs.get(rk)!.source, id: this.runs.get(rk)!.run.id }, label: runLabel(this.runs.get(rk)!.run, this.duplicates()), color: this.colors.get(rk) ?? '#888' })));
    this.scheduleCompare();
  }

  /** Colours as the run had them in other tabs where free, then by hash; kept for the next tab. */
  private assignColors(): void {
    this.colors = assignRunColors([...this.runs.keys()], rememberedColors());
    rememberColors(this.colors);
  }

  /** The comparison sits below the charts: drawn after they are painted, not before. */
  private scheduleCompare(): void {
    cancelAnimationFrame(this.compareFrame);
    this.compareFrame = requestAnimationFrame(() => setTimeout(() => this.renderCompare(), 0));
  }

  private renderLegend(): void {
    const dup = this.duplicates();
    this.rankControl.hidden = ![...this.runs.values()].some((r) => runRanks(r.run).length > 0);
    if (this.grouping.active) {
      const runs = this.groupInputs();
      this.legend.replaceChildren(...this.grouping.legend(this.grouping.groups(runs), runs, lineSample, bandOpacity(readTheme(this.root)), () => this.renderAll()));
      return;
    }
    const shown = new Set(this.visibleRunKeys()); // runs hidden by a click or by the run filter are dimmed
    this.legend.replaceChildren(
      ...[...this.runs.entries()].map(([rk, { run }]) => {
        const item = el('span', { className: `rl-legend-item${shown.has(rk) ? '' : ' rl-hidden'}`, title: `${run.id} (${run.status})` });
        item.dataset.status = run.status;
        const color = this.colors.get(rk) ?? '#888';
        // A finished run needs no word; any other status is said, in its own colour.
        const status = el('span', { className: 'rl-run-status', textContent: run.status === 'running' ? '● live' : run.status === 'finished' ? '' : run.status });
        status.style.color = statusColor(run.status);
        const lines = legendLines(runLabel(run, dup), runRanks(run), this.settings.ranks);
        if (lines.length === 1 && !lines[0]!.band) {
          const swatch = el('span', { className: 'rl-swatch' });
          swatch.style.background = color;
          item.append(swatch, el('span', { className: 'rl-legend-label', textContent: lines[0]!.label }), status);
        } else {
          // A job's ranks or their mean: each line as the cards draw it (dash, band) beside its label.
          const alpha = bandOpacity(readTheme(this.root));
          item.append(...lines.map((l) => el('span', { className: 'rl-legend-line' }, lineSample(color, l.dash, l.band, alpha), el('span', { className: 'rl-legend-label', textContent: l.label }))), status);
        }
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
    this.media?.setKeyFilter(match);
    // A metric none of the shown runs logged is an empty card: not drawn while the run filter hides them.
    const shown = this.visibleRunKeys();
    const hasData = (key: string) => shown.some((rk) => key in this.runs.get(rk)!.run.metrics || this.series.get(key)?.has(rk));
    const keys = [...this.series.keys()].filter((k) => match(k) && hasData(k)).sort();
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
    for (const [group, groupKeys] of [...groups].sort(([a], [b]) => compareGroups(a, b))) {
      const details = el('details', { className: 'rl-group', open: true });
      const summary = el('summary', { textContent: group || 'other' });
      summary.append(el('span', { className: 'rl-group-count', textContent: String(groupKeys.length) }));
      const grid = el('div', { className: 'rl-cards' });
      for (const key of groupKeys) grid.appendChild(this.cardElement(key, theme));
      details.append(summary, grid);
      sections.push(details);
    }
    const created = new Set([...this.cards.values()].filter((c) => !before.has(c))); // drawn when made
    if (sections.length === 0) sections.push(el('div', { className: 'rl-empty', textContent: this.runs.size ? 'No metric of the shown runs matches the filters.' : 'No runs to show yet.' }));
    this.cardsHost.replaceChildren(...sections);
    this.applySizes();
    for (const card of this.cards.values()) if (!created.has(card)) card.update(this.cardData(card.key), this.settings, theme);
  }

  private applySizes(): void {
    for (const grid of Array.from(this.cardsHost.querySelectorAll<HTMLElement>('.rl-cards'))) layoutGrid(grid, (card) => this.state.cards[card.dataset.key!]);
  }

  /** A change the user made: kept for this panel (its host) and as the starting point of new panels. */
  private saveState(): void {
    remember(this.state);
    this.options.onStateChange?.(this.getState());
  }

  private choose(patch: Partial<ChartSettings>): void {
    this.settings = { ...this.settings, ...patch };
    this.state = { ...this.state, choices: { ...this.state.choices, ...patch } };
    this.saveState();
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
    applyCardSize(box, chartEl, this.state.cards[key]); // the right height before echarts measures it
    makeResizable(box, chartEl, (size) => {
      const cards = { ...this.state.cards };
      if (size) cards[key] = size;
      else delete cards[key];
      this.state = { ...this.state, cards };
      this.saveState();
      this.applySizes(); // other cards of the grid move around the resized one
    });
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
    const span = from !== undefined && to !== undefined ? { from, to } : undefined;
    await Promise.all(
      this.visibleRunKeys().flatMap((rk) => {
        const run = this.runs.get(rk)!;
        if (!(key in run.run.metrics) && !this.series.get(key)?.has(rk)) return [];
        const ranks = this.settings.ranks === 'primary' ? [] : runRanks(run.run);
        if (ranks.length === 0) return [this.fetch(run, key, span, card.width)];
        return ranks.map((rank) => this.fetchRank(run, key, rank, span, card.width));
      }),
    );
    card.update(this.cardData(key), this.settings, readTheme(this.root));
  }

  private renderCompare(): void {
    this.parallel?.dispose();
    const runs = this.visibleRunKeys().map((rk) => this.runs.get(rk)!.run);
    const keyOf = (r: RunSummary) => [...this.runs].find(([, s]) => s.run === r)?.[0] ?? '';
    this.parallel = renderCompare(this.compareHost, runs, this.colors, keyOf, readTheme(this.root));
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
      this.choose({ smoothing: Math.min(0.99, Math.max(0, Number(v) || 0)) });
      smoothing.value = smoothingValue.value = String(this.settings.smoothing);
      this.renderCards();
    };
    smoothing.addEventListener('input', () => setSmoothing(smoothing.value));
    smoothingValue.addEventListener('change', () => setSmoothing(smoothingValue.value));
    const xAxis = el('select');
    xAxis.append(...(['step', 'relative', 'wall'] as const).map((v) => el('option', { value: v, textContent: v === 'relative' ? 'relative time' : v === 'wall' ? 'wall time' : 'step', selected: v === this.settings.xAxis })));
    xAxis.addEventListener('change', () => {
      this.choose({ xAxis: xAxis.value as ChartSettings['xAxis'] });
      this.renderCards();
    });
    const log = el('input', { type: 'checkbox', checked: this.settings.yScale === 'log' });
    log.addEventListener('change', () => {
      this.choose({ yScale: log.checked ? 'log' : 'linear' });
      this.renderCards();
    });
    const outliers = el('input', { type: 'checkbox', checked: this.settings.ignoreOutliers, className: 'rl-outliers' });
    outliers.addEventListener('change', () => {
      this.choose({ ignoreOutliers: outliers.checked });
      this.renderCards();
    });
    const ranks = el('select', { className: 'rl-ranks' });
    ranks.append(
      ...([['primary', 'rank 0'], ['all', 'every rank'], ['mean', 'mean, min–max band']] as const).map(([value, text]) =>
        el('option', { value, textContent: text, selected: value === this.settings.ranks }),
      ),
    );
    ranks.addEventListener('change', () => {
      this.choose({ ranks: ranks.value as RankMode });
      void this.fetchRanks().then(() => this.renderAll());
    });
    this.rankControl.append(ranks);
    this.rankControl.hidden = true; // until a run with ranks is shown
    const labelled = (text: string, ...children: HTMLElement[]) => {
      const label = el('label', { textContent: text });
      label.append(...children);
      return label;
    };
    bar.append(keys, runs, labelled('Smoothing', smoothing, smoothingValue), labelled('X axis', xAxis), labelled('Log scale', log), labelled('Ignore outliers', outliers), this.rankControl, this.grouping.control, this.status);
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

