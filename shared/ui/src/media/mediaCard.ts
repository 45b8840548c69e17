// An image or text card as TensorBoard draws them: one key, one column per shown run (its name and
// colour above, the item at the chosen step, its caption below), and one step slider for the card.
// Names, captions and texts are set as text, never parsed as HTML.
import type { MediaItem, MediaKind } from '@runlane/protocol';
import { el } from '../views/dom.js';
import { forgetVisible, placeholder, showImage, warmCost, warmImage, whenVisible } from './imageView.js';
import type { MediaCache } from './mediaCache.js';
import type { MediaRun } from './mediaTypes.js';
import { itemAtStep, StepSlider } from './stepSlider.js';

/** What the idle prefetch may decode ahead per slider position of a card: the neighbouring steps'
 * images of every run, up to this many bytes (large images count their decoded pixels). */
const PREFETCH_BYTES = 32 * 1024 * 1024;
/** Steps ahead in the direction of the last move (and one the other way) that are decoded ahead. */
const PREFETCH_STEPS = 3;

/** Whether cards decode the neighbouring steps while the page is idle (the media benchmark turns it
 * off and on, to measure both in one run on a shared machine). */
export const mediaPrefetch = { enabled: true };

export class MediaCard {
  readonly element: HTMLElement;
  private readonly slider = new StepSlider();
  private readonly range: HTMLInputElement;
  private readonly stepLabel: HTMLElement;
  private readonly columns: HTMLElement;
  private runs: MediaRun[] = [];
  private itemsOf: (run: MediaRun) => readonly MediaItem[] = () => [];
  /** An image card builds its columns once it nears the screen: a grid of 100 keys x 10 runs builds
   * the few cards in view (1,000 columns built up front cost ~70 ms of the first paint); its size
   * until then is the built one's (CSS), so the layout does not move when they arrive. Text cards,
   * few and cheap, are built at once. */
  private built: boolean;
  /** Set while the card builds its columns on coming into view with every column in its width: the
   * frames draw at once instead of waiting a frame more for their own visibility. */
  private inView = false;
  /** Bumped on every move: a prefetch of an earlier position stops at its next step. */
  private prefetchToken = 0;
  /** The direction of the last slider move: the next is likely the same way (-1 at first: a card
   * opens on the newest step, so the only way is back). */
  private direction = -1;

  constructor(
    readonly key: string,
    readonly kind: MediaKind,
    private readonly cache: MediaCache,
  ) {
    this.element = el('div', { className: `rl-card rl-media-card rl-media-kind-${kind}` });
    this.element.dataset.key = key;
    this.stepLabel = el('span', { className: 'rl-media-step' });
    const head = el('div', { className: 'rl-card-head' }, el('span', { className: 'rl-card-title', textContent: key, title: key }), this.stepLabel);
    this.columns = el('div', { className: 'rl-media-columns' });
    this.range = el('input', { type: 'range', className: 'rl-media-slider', min: '0', max: '0', step: '1', value: '0', title: 'Step (← → move one step)' });
    this.range.setAttribute('aria-label', `Step of ${key}`);
    this.range.addEventListener('input', () => this.moveTo(Number(this.range.value)));
    this.element.append(head, this.columns, this.range);
    this.built = kind !== 'image';
    if (!this.built) {
      whenVisible(this.element, (width) => {
        this.built = true;
        // A column is at least 120 px wide, 8 px apart (mediaStyles.ts); 32 px for the card's padding.
        this.inView = this.runs.length * 128 + 32 <= width;
        this.renderColumns();
        this.inView = false;
      });
    }
  }

  /** How many runs the card has a column for (built or not yet). */
  get runCount(): number {
    return this.runs.length;
  }

  /** The chosen step (tests and the benchmark read it). */
  get step(): number | null {
    return this.slider.step;
  }

  /** Moves the slider to a position and redraws (what dragging it does). */
  moveTo(position: number): void {
    if (position !== this.slider.position) this.direction = Math.sign(position - this.slider.position);
    this.slider.moveTo(position);
    this.range.value = String(this.slider.position);
    this.renderColumns();
  }

  /** The runs shown and their items of this key (step order); the slider keeps its step. */
  update(runs: MediaRun[], itemsOf: (run: MediaRun) => readonly MediaItem[]): void {
    this.runs = runs.filter((r) => itemsOf(r).length > 0);
    this.itemsOf = itemsOf;
    this.slider.addSteps(this.runs.flatMap((r) => itemsOf(r).map((i) => i.step)));
    this.range.max = String(Math.max(0, this.slider.values.length - 1));
    this.range.value = String(Math.max(0, this.slider.position));
    this.range.disabled = this.slider.values.length < 2;
    // Three runs or more take the whole row: a column per run stays wide enough to see.
    this.element.classList.toggle('rl-media-wide', this.runs.length >= 3);
    this.renderColumns();
  }

  private renderColumns(): void {
    const step = this.slider.step;
    this.stepLabel.textContent = step === null ? '' : `step ${step}`;
    if (!this.built) return;
    const existing = new Map(Array.from(this.columns.children).map((c) => [(c as HTMLElement).dataset.run!, c as HTMLElement]));
    const cols = this.runs.map((run) => {
      const col = existing.get(run.key) ?? this.column(run);
      this.fill(col, run, itemAtStep(this.itemsOf(run), step));
      return col;
    });
    // Only a change of runs re-orders the DOM: a slider move leaves the columns where they are.
    if (cols.length !== this.columns.children.length || cols.some((c, i) => this.columns.children[i] !== c)) this.columns.replaceChildren(...cols);
    if (this.kind === 'image') this.prefetch();
  }

  /**
   * While the page is idle, reads and decodes the images of the steps next to the chosen one, so
   * that a slider move only swaps nodes (a new step otherwise waits for 10 reads and decodes: 40-70
   * ms on a loaded machine, against 15-30 for steps seen). One step's images per idle period, the
   * likely next step first; stopped by the next move, bounded in bytes, and nothing for a card off
   * screen or in a hidden panel.
   */
  private prefetch(): void {
    const token = ++this.prefetchToken;
    const win = this.element.ownerDocument.defaultView;
    if (!mediaPrefetch.enabled || !win || this.slider.values.length < 2) return;
    const here = this.slider.position;
    const d = this.direction;
    const positions = [...Array.from({ length: PREFETCH_STEPS }, (_, i) => here + d * (i + 1)), here - d].filter((p) => p >= 0 && p < this.slider.values.length);
    let budget = PREFETCH_BYTES;
    const idle = (work: () => void) => (typeof win.requestIdleCallback === 'function' ? win.requestIdleCallback(work) : win.setTimeout(work, 100));
    // The card's own images first: the prefetch only starts once the step shown is decoded (it would
    // otherwise compete with the grid's first paint for the decoders).
    const shown = this.runs.map((run) => ({ run, item: itemAtStep(this.itemsOf(run), this.slider.step) }));
    const next = (): void => {
      const position = positions.shift();
      if (token !== this.prefetchToken || position === undefined || !onScreen(this.element, win)) return;
      const step = this.slider.values[position]!;
      const warming: Promise<void>[] = [];
      for (const run of this.runs) {
        const item = itemAtStep(this.itemsOf(run), step);
        if (!item || warmCost(item) > budget) continue;
        budget -= warmCost(item);
        warming.push(warmImage(run.ref, item, this.cache));
      }
      void Promise.all(warming).then(() => idle(next));
    };
    idle(() => {
      if (token !== this.prefetchToken || !onScreen(this.element, win)) return;
      void Promise.all(shown.map(({ run, item }) => (item ? warmImage(run.ref, item, this.cache) : Promise.resolve()))).then(() => idle(next));
    });
  }

  private column(run: MediaRun): HTMLElement {
    const swatch = el('span', { className: 'rl-swatch' });
    swatch.style.background = run.color;
    const name = el('div', { className: 'rl-media-run', title: run.label }, swatch, el('span', { textContent: run.label }));
    const frame = el('div', { className: 'rl-media-frame' });
    const caption = el('div', { className: 'rl-media-caption' });
    const col = el('figure', { className: 'rl-media-col' }, name, frame, caption);
    col.dataset.run = run.key;
    return col;
  }

  private fill(col: HTMLElement, run: MediaRun, item: MediaItem | null): void {
    const frame = col.querySelector<HTMLElement>('.rl-media-frame')!;
    const caption = col.querySelector<HTMLElement>('.rl-media-caption')!;
    const at = item && item.step !== this.slider.step ? ` (step ${item.step})` : '';
    caption.textContent = item ? `${item.caption ?? ''}${at}`.trim() : '';
    if (!item) {
      delete frame.dataset.ref;
      frame.replaceChildren(placeholder('nothing logged yet at this step'));
      return;
    }
    if (frame.dataset.ref === item.ref) return;
    const title = `${run.label} · ${this.key} · step ${item.step}${item.caption ? ` · ${item.caption}` : ''}`;
    if (this.kind === 'image') showImage(frame, run.ref, item, this.cache, title, this.inView);
    else this.showText(frame, run, item);
  }

  private showText(frame: HTMLElement, run: MediaRun, item: MediaItem): void {
    frame.dataset.ref = item.ref;
    const pre = el('pre', { className: 'rl-media-text-body' });
    frame.replaceChildren(pre);
    this.cache.text(run.ref, item).then(
      (text) => frame.dataset.ref === item.ref && (pre.textContent = text),
      () => frame.dataset.ref === item.ref && frame.replaceChildren(placeholder(`This text could not be read (${item.size} bytes).`)),
    );
  }

  dispose(): void {
    this.prefetchToken++;
    forgetVisible(this.element);
    this.element.remove();
  }
}

/** Whether the element is in the window's view now (a card scrolled away or a hidden panel is not). */
function onScreen(element: HTMLElement, win: Window): boolean {
  const r = element.getBoundingClientRect();
  return r.width > 0 && r.bottom > 0 && r.top < win.innerHeight;
}
