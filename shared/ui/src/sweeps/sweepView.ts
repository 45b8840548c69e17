// The live sweep view: a sweep run's trials table (number, state incl. the step a trial was pruned
// at, params, metric value, duration), the best so far by trials done, the parallel coordinates of
// params against the metric with the best trial highlighted, and every trial's curves (the charts
// panel, given the trials as its runs). Trials are the bridge's runs tagged `runlane.sweep` = the
// sweep's id; the store's event feed redraws it as trials start, log and end. Every name, param and
// value is set as text.
import type { ChartsBridge, RunRef, StoreEvent } from '@runlane/protocol';
import { echarts, type ECharts } from '../charts/echarts.js';
import { readTheme } from '../charts/theme.js';
import { formatDuration, formatParamShort } from '../views/format.js';
import { ChartsPanel } from '../views/chartsPanel.js';
import { el } from '../views/dom.js';
import { installStyles } from '../views/styles.js';
import { bestSoFarOption, sweepParallelOption } from './sweepCharts.js';
import { installSweepStyles } from './sweepStyles.js';
import { bestLine, stateText, sweepModel, sweepOf, type SweepModel } from './trials.js';

export interface SweepViewActions {
  /** Opens the charts panel for these runs (the host's own panel); absent: no button. */
  openCharts?: (runs: RunRef[]) => void;
  /** Opens one run's details; absent: rows are not links. */
  openRun?: (run: RunRef) => void;
}

const RELOAD_MS = 300; // events come in bursts: one listing per burst
const METRICS_RELOAD_MS = 1000;

export class SweepView {
  readonly root: HTMLElement;
  private model: SweepModel | null = null;
  private unsubscribe: () => void = () => {};
  private timer: ReturnType<typeof setTimeout> | null = null;
  private best: ECharts | null = null;
  private parallel: ECharts | null = null;
  private curves: ChartsPanel | null = null;
  /** `source\nid` of the trials in the curves panel. */
  private readonly curveRuns = new Set<string>();
  private dark = false;
  private readonly summary = el('div', { className: 'rl-sweep-summary' });
  private readonly table = el('table', { className: 'rl-sweep-trials' });
  private readonly bestHost = el('div', { className: 'rl-sweep-best-chart' });
  private readonly parallelHost = el('div', { className: 'rl-parallel rl-sweep-parallel' });
  private readonly parallelNote = el('div', { className: 'rl-status' });
  private readonly curvesHost = el('div', { className: 'rl-sweep-curves' });
  private readonly title = el('h2', { className: 'rl-sweep-title' });
  private readonly toolbar = el('div', { className: 'rl-toolbar' });

  constructor(
    host: HTMLElement,
    private readonly bridge: ChartsBridge,
    private readonly sweep: RunRef,
    private readonly actions: SweepViewActions = {},
  ) {
    installStyles(host.ownerDocument);
    installSweepStyles(host.ownerDocument);
    this.root = el('div', { className: 'rl-root rl-sweep' });
    if (actions.openCharts) {
      const open = el('button', { className: 'rl-button', type: 'button', textContent: 'Open curves in Charts', title: 'Every trial\'s metrics in the charts panel' });
      open.addEventListener('click', () => this.model && actions.openCharts!(this.model.trials.map((t) => ({ source: t.ref.source, id: t.ref.run.id }))));
      this.toolbar.append(open);
    }
    this.root.append(
      this.title, this.summary, this.toolbar,
      el('h3', { textContent: 'Trials' }), this.table,
      el('h3', { textContent: 'Best so far' }), this.bestHost,
      el('h3', { textContent: 'Params vs metric' }), this.parallelNote, this.parallelHost,
      el('h3', { textContent: 'Trial curves' }), this.curvesHost,
    );
    host.appendChild(this.root);
  }

  /** Lists the runs, draws, then follows the store's feed. */
  async load(): Promise<void> {
    this.summary.textContent = 'loading…';
    this.unsubscribe = this.bridge.subscribe((event) => this.onEvent(event));
    await this.reload();
  }

  setDark(dark: boolean): void {
    this.dark = dark;
    this.root.classList.toggle('rl-dark', dark);
    this.curves?.setDark(dark);
    this.renderCharts();
  }

  dispose(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.best?.dispose();
    this.parallel?.dispose();
    this.curves?.dispose();
    this.root.remove();
  }

  private onEvent(event: StoreEvent): void {
    const model = this.model;
    const ours = (id: string) => id === this.sweep.id || (model?.trials.some((t) => t.ref.run.id === id) ?? false);
    const relevant =
      event.type === 'reset' ||
      ((event.type === 'run-created' || event.type === 'run-updated') && (ours(event.run.id) || sweepOf(event.run) === this.sweep.id)) ||
      ((event.type === 'metrics' || event.type === 'run-deleted') && ours(event.run_id));
    // A trial's new points redraw its curve in the charts panel at once; the table's value can wait a
    // second (four trials logging at once would otherwise list the store several times a second).
    if (relevant) this.timer ??= setTimeout(() => ((this.timer = null), void this.reload()), event.type === 'metrics' ? METRICS_RELOAD_MS : RELOAD_MS);
  }

  private async reload(): Promise<void> {
    try {
      this.model = sweepModel(this.sweep.source, this.sweep.id, await this.bridge.listRuns());
    } catch (err) {
      this.summary.textContent = `Could not list the sweep's trials: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    this.render();
  }

  private render(): void {
    const m = this.model!;
    const s = m.settings;
    this.title.textContent = m.sweep ? `Sweep: ${m.sweep.run.name}` : `Sweep ${this.sweep.id}`;
    const parts = [`${m.trials.length - m.counts.queued - m.counts.running}${s.total !== null ? ` of ${s.total}` : ''} trials done`];
    for (const state of ['running', 'queued', 'finished', 'pruned', 'failed', 'cancelled'] as const) if (m.counts[state]) parts.push(`${m.counts[state]} ${state}`);
    if (s.metric) parts.push(`${s.mode === 'max' ? 'maximising' : 'minimising'} ${s.metric}`);
    if (m.sweep) parts.push(`sweep ${m.sweep.run.status}`);
    const best = bestLine(m);
    this.summary.replaceChildren(el('div', { textContent: parts.join(' · ') }), el('div', { className: 'rl-sweep-best-line', textContent: best }));
    this.renderTable(m);
    this.renderCharts();
    this.renderCurves(m);
  }

  private renderTable(m: SweepModel): void {
    const head = el('tr');
    head.append(...['#', 'state', ...m.params, m.settings.metric ?? 'value', 'duration'].map((h) => el('th', { textContent: h })));
    const rows = m.trials.map((t) => {
      const tr = el('tr', { className: t === m.best ? 'rl-sweep-best' : '' });
      tr.dataset.trial = String(t.number);
      tr.dataset.state = t.state;
      if (t.reason) tr.title = t.reason;
      const number = el('td', { textContent: String(t.number) });
      if (this.actions.openRun) {
        const link = el('a', { href: '#', textContent: String(t.number), title: `Open ${t.ref.run.name}` });
        link.addEventListener('click', (e) => (e.preventDefault(), this.actions.openRun!({ source: t.ref.source, id: t.ref.run.id })));
        number.replaceChildren(link);
      }
      tr.append(
        number,
        el('td', { className: 'rl-sweep-state' }, el('span', { className: `rl-pill rl-status-${t.state}`, textContent: stateText(t) })),
        ...m.params.map((p) => el('td', { textContent: formatParamShort(t.ref.run.params[p]) })),
        el('td', { className: 'rl-num', textContent: t.value === null ? '' : formatParamShort(t.value) }),
        el('td', { className: 'rl-num', textContent: t.duration === null ? '' : formatDuration(t.duration) }),
      );
      return tr;
    });
    this.table.replaceChildren(head, ...rows);
    if (!rows.length) this.table.append(el('tr', {}, el('td', { colSpan: 4 + m.params.length, textContent: 'No trial has started yet.' })));
  }

  private renderCharts(): void {
    const m = this.model;
    if (!m) return;
    const theme = readTheme(this.root);
    this.best ??= echarts.init(this.bestHost);
    this.best.setOption(bestSoFarOption(m, theme), { notMerge: true });
    const option = sweepParallelOption(m, theme, this.parallelHost.clientWidth || 800);
    this.parallelNote.textContent = option ? (m.best ? `The best trial (${m.best.number}) is the wide line.` : '') : 'Drawn once two trials have a value.';
    if (option) {
      this.parallel ??= echarts.init(this.parallelHost);
      this.parallel.setOption(option, { notMerge: true });
    }
  }

  /**
   * The charts panel over the trials: made once, then each new trial is added to it, so the user's
   * zoom and the runs hidden in its legend stay while trials start (a new panel per trial lost them).
   */
  private renderCurves(m: SweepModel): void {
    const keyOf = (t: SweepModel['trials'][number]) => `${t.ref.source}\n${t.ref.run.id}`;
    const now = new Set(m.trials.map(keyOf));
    if ([...this.curveRuns].some((k) => !now.has(k))) {
      // A trial was deleted: the panel is made again without it (the panel keeps runs it was given).
      this.curves?.dispose();
      this.curves = null;
      this.curvesHost.replaceChildren();
      this.curveRuns.clear();
    }
    const fresh = m.trials.filter((t) => !this.curveRuns.has(keyOf(t)));
    if (!fresh.length) return;
    for (const t of fresh) this.curveRuns.add(keyOf(t));
    if (this.curves) {
      void this.curves.addRuns(fresh.map((t) => t.ref));
      return;
    }
    this.curves = new ChartsPanel(this.curvesHost, this.bridge, { runs: fresh.map((t) => ({ source: t.ref.source, id: t.ref.run.id })) });
    this.curves.setDark(this.dark);
    void this.curves.load();
  }
}
