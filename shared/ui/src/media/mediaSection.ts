// The images, texts and histograms of the shown runs, below the scalar cards of the charts panel:
// a group per kind, a card per key. Each run's media are listed once (listMedia, getHistograms) and
// then follow the feed's `media` and `histograms` events; bytes are read only for what is on screen
// (mediaCache.ts, imageView.ts). Hosts without the media methods show no section.
import type { HistogramStep, MediaBridge, MediaItem, RunDetail, RunRef, StoreEvent } from '@runlane/protocol';
import type { ChartTheme } from '../charts/chartTypes.js';
import { runKey } from '../hostBridge.js';
import { el } from '../views/dom.js';
import { sampleSteps } from './histogramBands.js';
import { HistogramCard, type HistogramMode } from './histogramCard.js';
import { RankHistograms } from './histogramRanks.js';
import { MediaCache } from './mediaCache.js';
import { MediaCard } from './mediaCard.js';
import type { MediaRun } from './mediaTypes.js';
import { insertByStep } from './stepSlider.js';
import { installMediaStyles } from './mediaStyles.js';

/** Histograms a card draws per run at most (TensorBoard keeps 500 per run and tag). */
export const HISTOGRAM_STEPS_SHOWN = 500;

export interface MediaSectionBridge extends MediaBridge {
  getRun?(run: RunRef): Promise<RunDetail>;
}

export class MediaSection {
  readonly element: HTMLElement;
  private readonly cache: MediaCache | null;
  private runs: MediaRun[] = [];
  /** Items per run key (the panel's runKey), then per media key, in step order. */
  private readonly items = new Map<string, Map<string, MediaItem[]>>();
  private readonly histograms = new Map<string, Map<string, HistogramStep[]>>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly mediaCards = new Map<string, MediaCard>();
  private readonly histogramCards = new Map<string, HistogramCard>();
  private keyFilter: (key: string) => boolean = () => true;
  private mode: HistogramMode = 'offset';
  /** The job worker whose histograms the cards show: 0 (the primary writers') until the user picks. */
  private rank = 0;
  private readonly ranked: RankHistograms;
  private frame = 0;
  /** Each group's element, kept across renders: a group the user folded stays folded. */
  private readonly groups = new Map<string, { details: HTMLDetailsElement; count: HTMLElement; grid: HTMLElement }>();

  constructor(
    private readonly bridge: MediaSectionBridge,
    private readonly theme: () => ChartTheme,
    /** The panel's key for a run (runKey), so that colours and filters match its scalar cards. */
    private readonly keyOf: (ref: RunRef) => string = runKey,
  ) {
    this.element = el('div', { className: 'rl-media-section' });
    installMediaStyles(this.element.ownerDocument ?? document);
    this.cache = bridge.readMedia ? new MediaCache((run, ref) => bridge.readMedia!(run, ref)) : null;
    this.ranked = new RankHistograms(bridge);
  }

  /** Whether the host can serve media at all. */
  static supported(bridge: MediaSectionBridge): boolean {
    return typeof bridge.listMedia === 'function';
  }

  /** The runs to show (the panel's visible runs, in legend order); new ones are read. */
  async setRuns(runs: MediaRun[]): Promise<void> {
    this.runs = runs;
    this.render();
    await Promise.all(runs.map((r) => this.load(r)));
    this.render();
  }

  setKeyFilter(match: (key: string) => boolean): void {
    this.keyFilter = match;
    this.render();
  }

  /** Live items: appended to what was read; a run read again after it was deleted (a restart). */
  onEvent(event: StoreEvent): void {
    if (event.type === 'media') {
      const byKey = this.items.get(this.keyOf({ source: event.store, id: event.run_id }));
      if (!byKey) return; // not read yet: its listing will hold them
      for (const item of event.items) {
        let list = byKey.get(item.key);
        if (!list) byKey.set(item.key, (list = []));
        insertByStep(list, [item]);
      }
      this.schedule();
    } else if (event.type === 'histograms' && event.rank) {
      this.ranked.add(this.keyOf({ source: event.store, id: event.run_id }), event.rank, event.key, event.steps);
      this.schedule();
    } else if (event.type === 'histograms') {
      const byKey = this.histograms.get(this.keyOf({ source: event.store, id: event.run_id }));
      if (!byKey) return;
      let list = byKey.get(event.key);
      if (!list) byKey.set(event.key, (list = []));
      for (const s of event.steps) {
        if (!list.length || list[list.length - 1]!.step <= s.step) list.push(s);
        else list.splice(list.findIndex((x) => x.step > s.step), 0, s);
      }
      this.schedule();
    } else if (event.type === 'run-deleted') {
      const rk = this.keyOf({ source: event.store, id: event.run_id });
      this.items.delete(rk);
      this.histograms.delete(rk);
      this.loading.delete(rk);
      this.ranked.forget(rk);
      this.schedule();
    }
  }

  /** The card of a key (tests and the benchmark drive them). */
  card(key: string): MediaCard | HistogramCard | undefined {
    return this.mediaCards.get(`image\n${key}`) ?? this.mediaCards.get(`text\n${key}`) ?? this.histogramCards.get(key);
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    for (const c of [...this.mediaCards.values(), ...this.histogramCards.values()]) c.dispose();
    this.cache?.dispose();
    this.element.remove();
  }

  private load(run: MediaRun): Promise<void> {
    let pending = this.loading.get(run.key);
    if (!pending) {
      pending = this.read(run).catch(() => {
        this.loading.delete(run.key); // tried again with the next set of runs
      });
      this.loading.set(run.key, pending);
    }
    return pending;
  }

  private async read(run: MediaRun): Promise<void> {
    const [items, detail] = await Promise.all([this.bridge.listMedia!(run.ref), this.bridge.getRun?.(run.ref).catch(() => null)]);
    const byKey = new Map<string, MediaItem[]>();
    for (const item of items) {
      let list = byKey.get(item.key);
      if (!list) byKey.set(item.key, (list = []));
      list.push(item);
    }
    for (const list of byKey.values()) list.sort((a, b) => a.step - b.step);
    const hist = new Map<string, HistogramStep[]>();
    if (this.bridge.getHistograms) {
      await Promise.all(
        (detail?.histogram_keys ?? []).map(async (key) => {
          const series = await this.bridge.getHistograms!(run.ref, key);
          hist.set(key, [...series.steps].sort((a, b) => a.step - b.step));
        }),
      );
    }
    this.items.set(run.key, byKey);
    this.histograms.set(run.key, hist);
    this.ranked.setOffered(run.key, detail?.histogram_ranks, detail?.histogram_keys ?? []);
    if (this.rank) await this.ranked.load(this.rank, [run]);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Draws the groups: cards of keys no shown run has are dropped, the others kept (their slider too). */
  render(): void {
    const keys = { image: new Set<string>(), text: new Set<string>(), histogram: new Set<string>() };
    for (const run of this.runs) {
      for (const [key, list] of this.items.get(run.key) ?? []) if (list.length && this.keyFilter(key)) keys[list[0]!.kind].add(key);
      // Rank 0's keys stay as cards under another rank (drawn empty where it logged none): the rank
      // choice is on the cards, so they must not all vanish with it.
      for (const byKey of [this.histograms.get(run.key), this.histogramsOf(run.key)]) for (const [key, list] of byKey ?? []) if (list.length && this.keyFilter(key)) keys.histogram.add(key);
    }
    const theme = this.theme();
    const groups: HTMLElement[] = [];
    for (const kind of ['image', 'text'] as const) {
      const cards = [...keys[kind]].sort().map((key) => {
        const id = `${kind}\n${key}`;
        let card = this.mediaCards.get(id);
        if (!card) this.mediaCards.set(id, (card = new MediaCard(key, kind, this.cache!)));
        card.update(this.runs, (run) => this.items.get(run.key)?.get(key) ?? []);
        return card.element;
      });
      if (cards.length) groups.push(this.group(kind === 'image' ? 'images' : 'text', cards));
    }
    const ranks = this.ranked.ranks(this.runs);
    const hcards = [...keys.histogram].sort().map((key) => {
      let card = this.histogramCards.get(key);
      if (!card) this.histogramCards.set(key, (card = new HistogramCard(key, this.mode, (mode) => this.setMode(mode), (rank) => void this.setRank(rank))));
      card.setRanks(ranks, this.rank);
      const runs = this.runs.flatMap((run) => {
        const steps = this.histogramsOf(run.key)?.get(key);
        return steps?.length ? [{ ...run, steps: sampleSteps(steps, HISTOGRAM_STEPS_SHOWN) }] : [];
      });
      card.update(runs, theme);
      return card.element;
    });
    if (hcards.length) groups.push(this.group('histograms', hcards));
    for (const [id, card] of this.mediaCards) {
      if (keys[card.kind].has(card.key)) continue;
      card.dispose();
      this.mediaCards.delete(id);
    }
    for (const [key, card] of this.histogramCards) {
      if (keys.histogram.has(key)) continue;
      card.dispose();
      this.histogramCards.delete(key);
    }
    if (groups.length !== this.element.children.length || groups.some((g, i) => this.element.children[i] !== g)) this.element.replaceChildren(...groups);
  }

  /** The histograms the cards show of a run: the chosen rank's. */
  private histogramsOf(runKey: string): Map<string, HistogramStep[]> | undefined {
    return this.rank ? this.ranked.of(this.rank, runKey) : this.histograms.get(runKey);
  }

  /** A rank picked on one card applies to every histogram card (as the view does); read on first pick. */
  private async setRank(rank: number): Promise<void> {
    this.rank = rank;
    this.render();
    await this.ranked.load(rank, this.runs);
    if (this.rank === rank) this.render();
  }

  /** A choice of view on one card applies to every histogram card (as TensorBoard's setting). */
  private setMode(mode: HistogramMode): void {
    this.mode = mode;
    for (const card of this.histogramCards.values()) if (card.currentMode !== mode) card.setMode(mode, false);
  }

  private group(title: string, cards: HTMLElement[]): HTMLElement {
    let g = this.groups.get(title);
    if (!g) {
      const count = el('span', { className: 'rl-group-count' });
      const grid = el('div', { className: 'rl-cards rl-media-cards' });
      const details = el('details', { className: 'rl-group rl-media-group', open: true }, el('summary', { textContent: title }, count), grid);
      this.groups.set(title, (g = { details, count, grid }));
    }
    g.count.textContent = String(cards.length);
    // Moved only when the cards changed: re-attaching them would reset their scroll and redo layout.
    if (cards.length !== g.grid.children.length || cards.some((c, i) => g.grid.children[i] !== c)) g.grid.replaceChildren(...cards);
    return g.details;
  }
}
