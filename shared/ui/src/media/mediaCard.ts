// An image or text card as TensorBoard draws them: one key, one column per shown run (its name and
// colour above, the item at the chosen step, its caption below), and one step slider for the card.
// Names, captions and texts are set as text, never parsed as HTML.
import type { MediaItem, MediaKind } from '@runlane/protocol';
import { el } from '../views/dom.js';
import { forgetVisible, placeholder, showImage, whenVisible } from './imageView.js';
import type { MediaCache } from './mediaCache.js';
import type { MediaRun } from './mediaTypes.js';
import { itemAtStep, StepSlider } from './stepSlider.js';

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
    this.range.addEventListener('input', () => {
      this.slider.moveTo(Number(this.range.value));
      this.renderColumns();
    });
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
    forgetVisible(this.element);
    this.element.remove();
  }
}
