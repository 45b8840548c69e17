// A histogram card: one key, the shown runs overlaid, in TensorBoard's two views (the offset ridges
// over steps, or the distributions' percentile bands over steps), switched on the card and drawn at
// most once per frame however fast live steps arrive.
import type { ChartTheme } from '../charts/chartTypes.js';
import { formatValue } from '../charts/numberFormat.js';
import { el } from '../views/dom.js';
import { drawDistribution } from './distributionView.js';
import { sampleSteps } from './histogramBands.js';
import { rankSelect } from './histogramRanks.js';
import type { HistogramRun } from './histogramTypes.js';
import { drawRidges } from './ridgeView.js';

/** Ridges the offset view draws per run at most: more overlap into one grey mass. */
const RIDGES_SHOWN = 100;

export type HistogramMode = 'offset' | 'distribution';

export class HistogramCard {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  /** What the distribution view drew last: its runs and steps (tests read it). */
  drawn: { runs: number; steps: number } | null = null;
  /** Off screen, drawing waits until the card scrolls into view (a grid of cards costs nothing meanwhile). */
  private visible = typeof IntersectionObserver === 'undefined';
  private readonly seen: IntersectionObserver | null;
  private runs: HistogramRun[] = [];
  private theme: ChartTheme | null = null;
  private frame = 0;
  private readonly buttons: Record<HistogramMode, HTMLButtonElement>;
  private readonly rank: ReturnType<typeof rankSelect>;
  /** The job worker's rank shown, when the runs offer several (said in the canvas's label). */
  private shownRank: number | null = null;

  constructor(
    readonly key: string,
    private mode: HistogramMode,
    private readonly onMode: (mode: HistogramMode) => void,
    /** The user picked a job worker's rank on this card (its runs' ranks: setRanks). */
    onRank: (rank: number) => void = () => {},
  ) {
    this.element = el('div', { className: 'rl-card rl-histogram-card' });
    this.element.dataset.key = key;
    this.buttons = {
      offset: el('button', { textContent: 'Offset', title: 'One ridge per step, newer steps lower (TensorBoard’s offset view)' }),
      distribution: el('button', { textContent: 'Distribution', title: 'Percentile bands over steps: min–max, ±1.5σ, ±1σ, ±0.5σ and the median' }),
    };
    for (const m of ['offset', 'distribution'] as const) this.buttons[m].addEventListener('click', () => this.setMode(m, true));
    this.rank = rankSelect(onRank);
    this.rank.set([], 0);
    const head = el('div', { className: 'rl-card-head' }, el('span', { className: 'rl-card-title', textContent: key, title: key }), this.rank.element, this.buttons.offset, this.buttons.distribution);
    this.canvas = el('canvas', { className: 'rl-histogram-canvas' });
    this.canvas.setAttribute('role', 'img');
    this.body = el('div', { className: 'rl-histogram-body' }, this.canvas);
    this.element.append(head, this.body);
    this.seen =
      typeof IntersectionObserver === 'undefined'
        ? null
        : new IntersectionObserver((entries) => {
            this.visible = entries.some((e) => e.isIntersecting);
            if (this.visible) this.schedule();
          });
    this.seen?.observe(this.element);
    this.setMode(mode, false);
  }

  get currentMode(): HistogramMode {
    return this.mode;
  }

  setMode(mode: HistogramMode, byUser: boolean): void {
    this.mode = mode;
    for (const m of ['offset', 'distribution'] as const) this.buttons[m].classList.toggle('rl-active', m === mode);
    this.canvas.dataset.mode = mode;
    if (byUser) this.onMode(mode);
    this.schedule();
  }

  /** The ranks offered (none: no shown run is a job with ranks, the choice hidden) and the one shown. */
  setRanks(ranks: number[], rank: number): void {
    this.rank.set(ranks, rank);
    this.shownRank = ranks.length ? rank : null;
  }

  update(runs: HistogramRun[], theme: ChartTheme): void {
    this.runs = runs;
    this.theme = theme;
    this.schedule();
  }

  /** Draws now (the benchmark measures this; the panel goes through schedule). */
  draw(): void {
    if (!this.theme) return;
    if (this.mode === 'offset') drawRidges(this.canvas, this.runs.map((r) => ({ ...r, steps: sampleSteps(r.steps, RIDGES_SHOWN) })), this.theme);
    else this.drawn = drawDistribution(this.canvas, this.runs, this.theme);
    this.canvas.setAttribute('aria-label', describe(this.key, this.mode, this.runs, this.shownRank));
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.element.isConnected && this.visible) this.draw();
    });
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.seen?.disconnect();
    this.element.remove();
  }
}

/** What a card's canvas draws, in words: its accessible name (a canvas is otherwise mute to screen
 * readers), which the editors' tests read too. */
export function describe(key: string, mode: HistogramMode, runs: HistogramRun[], rank: number | null): string {
  let lo = Infinity;
  let hi = -Infinity;
  let steps = 0;
  for (const run of runs)
    for (const s of run.steps) {
      steps++;
      lo = Math.min(lo, s.min ?? s.edges[0] ?? Infinity);
      hi = Math.max(hi, s.max ?? s.edges[s.edges.length - 1] ?? -Infinity);
    }
  const what = `${key}, ${mode} view${rank === null ? '' : ` of rank ${rank}`}: ${runs.length} run${runs.length === 1 ? '' : 's'}, ${steps} step${steps === 1 ? '' : 's'}`;
  return lo <= hi ? `${what}, values from ${formatValue(lo)} to ${formatValue(hi)}` : what;
}
