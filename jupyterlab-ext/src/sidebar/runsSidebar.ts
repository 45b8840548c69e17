// The "Runs" panel in JupyterLab's left area: the runs of every source shown (the default store, the
// stores the open notebooks' kernels write to, TensorBoard log folders), merged, newest first, live.
// Search (text, key=value, status:, tag:), a status filter, "this notebook only", sorting by any
// column, multi-selection (click, ctrl/cmd-click, shift-click, checkboxes) and a context menu. Which
// folders are shown, and why, is always said: a run is never missing without a word.
import { Widget } from '@lumino/widgets';
import { Signal } from '@lumino/signaling';
import type { RunStatus, RunSummary, SourcedRun } from '@runlane/protocol';
import { RUN_STATUSES } from '@runlane/protocol';
import { duplicateNames, logFolderKind, mainMetric, matches, mlflowLabel, NO_FILTER, RunSet, runKey, sortRuns, type RunFilter, type SortKey, type SortOrder } from '@runlane/ui';

import type { SourcesBridge } from '../sources';
import { folderMarks, type FolderMark } from './folderMarks';
import { chartsButtonState } from './selectionState';
import { VirtualList } from './virtualList';
import { div, input, option, text } from './dom';
import { fillRunRow } from './runRow';

const ROW_HEIGHT = 44;

/** Where the runs come from: the sources and how a folder is named to the user. */
/** Runs of each source painted first on a first open: a few screens, about 100 KB from the daemon. */
const FIRST_PAGE = 200;

export interface RunsSource {
  readonly bridge: SourcesBridge;
  label(folder: string): string;
}

/** A line above the list: something the user should know about where runs are, with an action. */
export interface Notice {
  text: string;
  action?: { label: string; run: () => void };
}

/** The metric a row shows for a run (the user's choice for its experiment, else the default). */
export type MetricChooser = (run: RunSummary) => { key: string; value: number } | null;

const SORTS: [SortKey, string][] = [
  ['created', 'Newest'],
  ['name', 'Name'],
  ['status', 'Status'],
  ['duration', 'Duration'],
  ['metric', 'Main metric'],
  ['experiment', 'Experiment'],
  ['target', 'Target'],
];

export class RunsSidebar extends Widget {
  /** Runs the user asked to open (double-click, Enter). */
  readonly openRequested = new Signal<this, SourcedRun>(this);
  readonly selectionChanged = new Signal<this, SourcedRun[]>(this);
  /** The run list changed (the feed, a reload): cell badges follow it. */
  readonly runsChanged = new Signal<this, void>(this);
  /** The user removed a source (a TensorBoard log folder) with its × button. */
  readonly removeRequested = new Signal<this, string>(this);
  /** The run a context menu was opened on. */
  contextRun: SourcedRun | null = null;

  private readonly sets = new Map<string, RunSet>();
  private readonly failures = new Map<string, string>();
  private readonly notices = new Map<string, Notice>();
  private shown: SourcedRun[] = [];
  private readonly selected = new Set<string>();
  private anchor: string | null = null;
  private filter: RunFilter = { ...NO_FILTER };
  private sort: SortKey = 'created';
  private order: SortOrder = 'desc';
  private notebook: string | null = null;
  private metricOf: MetricChooser = (run) => mainMetric(run);
  private duplicates = new Set<string>();
  private marks = new Map<string, FolderMark>();
  private readonly list: VirtualList<SourcedRun>;
  private readonly count: HTMLElement;
  private readonly chartsButton: HTMLButtonElement;
  private readonly logdirButton: HTMLButtonElement;
  private readonly mlflowButton: HTMLButtonElement;
  /** The one source shown when the user clicked its chip (filter by source); null: all of them. */
  private onlySource: string | null = null;
  private readonly notebookToggle: HTMLInputElement;
  private readonly message: HTMLElement;
  private readonly selectionNote: HTMLElement;
  private readonly sourcesNode: HTMLElement;
  private readonly noticesNode: HTMLElement;
  private sourcesSignature = '';
  private ticker = 0;
  private stopFeed: () => void = () => {};
  private renderFrame = 0;
  /** While only the first page of a big list is in: how many runs there are in all (else null). */
  private loadingTotal: number | null = null;

  constructor(private readonly connection: RunsSource) {
    super();
    this.id = 'runlane-runs';
    this.addClass('rl-sidebar');
    this.title.caption = 'Runlane: runs';

    const search = input('search', 'rl-search', 'Search: name, lr=0.1, status:running, tag:best');
    search.addEventListener('input', () => this.setFilter({ text: search.value }));
    const status = document.createElement('select');
    status.className = 'rl-select';
    status.title = 'Status';
    status.append(option('all', 'All statuses'), ...RUN_STATUSES.map((s) => option(s, s)));
    status.addEventListener('change', () => this.setFilter({ status: status.value as RunStatus | 'all' }));
    const sort = document.createElement('select');
    sort.className = 'rl-select';
    sort.title = 'Sort by';
    sort.append(...SORTS.map(([k, label]) => option(k, label)));
    const orderButton = document.createElement('button');
    orderButton.className = 'rl-icon-button';
    orderButton.title = 'Reverse the order';
    orderButton.textContent = '↓';
    sort.addEventListener('change', () => {
      this.sort = sort.value as SortKey;
      this.order = this.sort === 'name' || this.sort === 'experiment' || this.sort === 'target' || this.sort === 'metric' ? 'asc' : 'desc';
      orderButton.textContent = this.order === 'desc' ? '↓' : '↑';
      this.render();
    });
    orderButton.addEventListener('click', () => {
      this.order = this.order === 'desc' ? 'asc' : 'desc';
      orderButton.textContent = this.order === 'desc' ? '↓' : '↑';
      this.render();
    });
    this.notebookToggle = input('checkbox', '', '');
    const notebookLabel = document.createElement('label');
    notebookLabel.className = 'rl-check';
    notebookLabel.append(this.notebookToggle, ' This notebook');
    this.notebookToggle.addEventListener('change', () => this.setFilter({ notebook: this.notebookToggle.checked ? this.notebook : null }));
    this.chartsButton = document.createElement('button');
    this.chartsButton.className = 'rl-button rl-primary';
    this.chartsButton.textContent = 'Charts';
    this.chartsButton.title = 'Open the selected runs (or all shown) in the charts';
    this.logdirButton = document.createElement('button');
    this.logdirButton.className = 'rl-icon-button rl-open-logdir';
    this.logdirButton.textContent = '+ TensorBoard';
    this.logdirButton.title = 'Open a TensorBoard log folder or a DVCLive folder: its runs show here beside the store’s';
    this.mlflowButton = document.createElement('button');
    this.mlflowButton.className = 'rl-icon-button rl-open-mlflow';
    this.mlflowButton.textContent = '+ MLflow';
    this.mlflowButton.title = 'Add a team’s MLflow tracking server: its runs show here beside the local ones';
    this.count = document.createElement('span');
    this.count.className = 'rl-count';
    this.message = document.createElement('div');
    this.message.className = 'rl-empty';
    this.selectionNote = div('rl-selection-note');
    this.selectionNote.style.display = 'none';
    this.sourcesNode = div('rl-sources');
    this.noticesNode = div('rl-notices');

    const header = div('rl-sidebar-header', div('rl-sidebar-title', text('span', 'Runs'), this.count), this.chartsButton);
    const tools = div('rl-sidebar-tools', search, div('rl-row', status, sort, orderButton), div('rl-row rl-spread rl-add-row', notebookLabel, div('rl-add-sources', this.logdirButton, this.mlflowButton)));
    this.list = new VirtualList(ROW_HEIGHT, (row, run) => this.renderRow(row, run));
    this.list.node.addEventListener('click', (e) => this.onClick(e));
    // Shift-click selects rows, not the rows' text (the browser would extend a text selection).
    this.list.node.addEventListener('mousedown', (e) => {
      if (e.shiftKey) e.preventDefault();
    });
    this.list.node.addEventListener('dblclick', (e) => {
      const run = this.runAt(e);
      if (run) this.openRequested.emit(run);
    });
    this.list.node.addEventListener('contextmenu', (e) => {
      const run = this.runAt(e);
      this.contextRun = run;
      if (run && !this.selected.has(keyOf(run))) this.select([keyOf(run)], keyOf(run));
    });
    this.list.node.addEventListener('keydown', (e) => this.onKey(e));
    // The selection note under the list, not above it: it comes and goes with a click, and above the
    // list it moved the rows under the pointer between a double-click's two clicks (the second missed).
    this.node.append(header, this.sourcesNode, this.noticesNode, tools, this.message, this.list.node, this.selectionNote);
  }

  get chartsButtonNode(): HTMLButtonElement {
    return this.chartsButton;
  }

  get logdirButtonNode(): HTMLButtonElement {
    return this.logdirButton;
  }

  get mlflowButtonNode(): HTMLButtonElement {
    return this.mlflowButton;
  }

  /** Reads every source again, then follows their feeds. */
  async load(): Promise<void> {
    this.message.textContent = 'Loading runs…';
    const sources = this.connection.bridge.sources();
    for (const path of [...this.sets.keys()]) if (!sources.some((s) => s.path === path)) this.sets.delete(path);
    // A removed source's failure goes with it (a server removed for wanting credentials kept its notice).
    for (const path of [...this.failures.keys()]) if (!sources.some((s) => s.path === path)) this.failures.delete(path);
    // A first open paints the newest runs at once; a big store's whole list (100,000 runs: tens of
    // MB) follows in the background and replaces them.
    const whole = this.allRuns().length === 0 ? await this.loadFirstPage(sources.map((s) => s.path)) : new Set<string>();
    await Promise.all(sources.filter((s) => !whole.has(s.path)).map((s) => this.loadSource(s.path, false)));
    this.loadingTotal = null;
    this.render();
    this.stopFeed();
    this.stopFeed = this.connection.bridge.subscribe((event) => {
      if (event.type === 'reset') void this.load();
      else if ('store' in event && this.sets.get(event.store)?.apply(event)) this.scheduleRender();
    });
    clearInterval(this.ticker);
    // Elapsed times of running runs tick once a second (only the visible rows are redrawn).
    this.ticker = window.setInterval(() => {
      if (this.shown.some((r) => r.run.status === 'running')) this.list.refresh();
    }, 1000);
  }

  /**
   * Each source's newest runs, shown while the whole lists come; the sources whose page was their whole
   * list (most stores: nothing more to load). A failure is the full load's to say.
   */
  private async loadFirstPage(paths: string[]): Promise<Set<string>> {
    const pages = await Promise.all(paths.map((path) => this.connection.bridge.listSourcePage(path, FIRST_PAGE).catch(() => null)));
    const whole = new Set<string>();
    let total = 0;
    pages.forEach((page, i) => {
      if (!page) return;
      const path = paths[i]!;
      this.setOf(path).reset(page.runs);
      this.failures.delete(path);
      total += page.total;
      if (page.runs.length >= page.total) whole.add(path);
    });
    if (total > this.allRuns().length) {
      this.loadingTotal = total;
      this.render();
    }
    return whole;
  }

  /** A source's runs, kept from its first listing on. */
  private setOf(path: string): RunSet {
    let set = this.sets.get(path);
    if (!set) this.sets.set(path, (set = new RunSet(path)));
    return set;
  }

  /** Reads one source (one just added, say); a failure is said above the list, naming the folder. */
  async loadSource(path: string, render = true): Promise<void> {
    const set = this.setOf(path);
    try {
      set.reset(await this.connection.bridge.listSource(path));
      this.failures.delete(path);
    } catch (err) {
      this.failures.set(path, `Runlane could not read ${this.connection.label(path)}: ${(err as Error).message}`);
    }
    if (render) this.render();
  }

  /** Sets (or clears, with null) a notice about where runs are; `key` names it for later updates. */
  setNotice(key: string, notice: Notice | null): void {
    if (notice) this.notices.set(key, notice);
    else this.notices.delete(key);
    this.renderSources();
  }

  /** How rows pick their metric (the user's choice per experiment). */
  setMetricChooser(choose: MetricChooser): void {
    this.metricOf = choose;
    this.render();
  }

  /** The notebook in focus (absolute path), for "This notebook". */
  setCurrentNotebook(path: string | null): void {
    this.notebook = path;
    this.notebookToggle.disabled = path === null;
    if (this.notebookToggle.checked) this.setFilter({ notebook: path });
  }

  /** Selected runs, or every shown run when none is selected. */
  selection(): SourcedRun[] {
    const chosen = this.selectedRuns();
    return chosen.length ? chosen : this.shown;
  }

  selectedRuns(): SourcedRun[] {
    return this.shown.filter((r) => this.selected.has(keyOf(r)));
  }

  allRuns(): SourcedRun[] {
    return [...this.sets.values()].flatMap((set) => set.all().map((run) => ({ source: set.source, run })));
  }

  /** A run by its key (`source::id`), or by its id alone (the first source that has it). */
  run(key: string): SourcedRun | undefined {
    const at = key.lastIndexOf('::');
    if (at > 0) {
      const source = key.slice(0, at);
      const run = this.sets.get(source)?.get(key.slice(at + 2));
      return run ? { source, run } : undefined;
    }
    for (const set of this.sets.values()) {
      const run = set.get(key);
      if (run) return { source: set.source, run };
    }
    return undefined;
  }

  override dispose(): void {
    this.stopFeed();
    clearInterval(this.ticker);
    super.dispose();
  }

  private setFilter(change: Partial<RunFilter>): void {
    this.filter = { ...this.filter, ...change };
    this.render();
  }

  private scheduleRender(): void {
    if (!this.renderFrame) this.renderFrame = requestAnimationFrame(() => ((this.renderFrame = 0), this.render()));
  }

  private render(): void {
    if (this.onlySource && !this.sets.has(this.onlySource)) this.onlySource = null; // its source was removed
    const all = this.onlySource ? this.allRuns().filter((r) => r.source === this.onlySource) : this.allRuns();
    const owner = new Map<RunSummary, string>(all.map((r) => [r.run, r.source]));
    const chooser = this.metricOf;
    const sorted = this.sort === 'metric' ? sortByMetric(all.map((r) => r.run).filter((r) => matches(r, this.filter)), chooser, this.order) : sortRuns(all.map((r) => r.run).filter((r) => matches(r, this.filter)), this.sort, this.order);
    this.shown = sorted.map((run) => ({ source: owner.get(run)!, run }));
    this.duplicates = duplicateNames(this.shown.map((r) => r.run));
    const keys = new Set(all.map(keyOf));
    for (const key of [...this.selected]) if (!keys.has(key)) this.selected.delete(key);
    const total = this.loadingTotal ?? all.length;
    this.count.textContent = this.shown.length === total ? `${total}` : `${this.shown.length} of ${total}`;
    this.message.textContent =
      this.loadingTotal !== null
        ? `Showing the newest ${all.length.toLocaleString('en')} of ${total.toLocaleString('en')} runs; loading the rest…`
        : all.length === 0
          ? 'No runs yet. Run a cell with %%runlane (or "Run Cell as Experiment") and it appears here.'
          : this.shown.length === 0
            ? 'No run matches.'
            : '';
    this.message.style.display = this.message.textContent ? '' : 'none';
    this.updateChartsButton();
    this.renderSources();
    this.list.setItems(this.shown);
    this.runsChanged.emit();
  }

  /** The folders shown (when more than one, or one the user opened), then the notices. */
  private renderSources(): void {
    const sources = this.connection.bridge.sources();
    this.marks = folderMarks(sources.map((s) => s.path), (path) => this.connection.label(path));
    // Redrawn only when something changed: a chip replaced under the pointer swallows its click.
    // A log folder's chip names what it holds (TensorBoard, DVCLive), known once its runs are read.
    const sourceName = (s: (typeof sources)[number]): string =>
      s.kind === 'mlflow' ? mlflowLabel(s.path) : `${s.kind === 'logdir' ? `${logFolderKind(this.sets.get(s.path)?.all() ?? []).prefix}: ` : ''}${this.connection.label(s.path)}`;
    const signature = JSON.stringify([sources.map((s) => [s.path, sourceName(s)]), this.onlySource, [...this.failures.values()], [...this.notices.entries()].map(([k, n]) => [k, n.text])]);
    if (signature === this.sourcesSignature) return;
    this.sourcesSignature = signature;
    const chips = sources.length > 1 || sources.some((s) => s.kind !== 'store')
      ? sources.map((s) => {
          const mark = this.marks.get(s.path);
          // The colour of this folder's marks in the rows.
          const swatch = mark ? [text('span', '', `rl-folder-swatch rl-folder-${mark.colour}`)] : [];
          const name = sourceName(s);
          const only = this.onlySource === s.path;
          const chip = div(`rl-source rl-source-${s.kind}${only ? ' rl-source-only' : ''}`, ...swatch, text('span', name));
          chip.title = `${s.path}\n${s.why}\n${only ? 'Click to show every source again' : 'Click to show only this source’s runs'}`;
          chip.dataset.path = s.path;
          // Filter by source: a click on a chip shows its runs alone; a second click, all again.
          chip.addEventListener('click', (e) => {
            if ((e.target as HTMLElement).closest('.rl-source-remove')) return;
            this.onlySource = only ? null : s.path;
            this.render();
          });
          if (s.removable) {
            const remove = document.createElement('button');
            remove.className = 'rl-link rl-source-remove';
            remove.textContent = '×';
            remove.title = `Stop showing ${s.path}`;
            remove.addEventListener('click', () => this.removeRequested.emit(s.path));
            chip.append(remove);
          }
          return chip;
        })
      : [];
    this.sourcesNode.replaceChildren(...(chips.length ? [text('span', 'Showing', 'rl-muted'), ...chips] : []));
    this.sourcesNode.style.display = chips.length ? '' : 'none';
    const notices = [...[...this.failures.values()].map((t): Notice => ({ text: t })), ...this.notices.values()];
    this.noticesNode.replaceChildren(
      ...notices.map((n) => {
        const node = div('rl-notice', text('span', n.text));
        if (n.action) {
          const act = document.createElement('button');
          act.className = 'rl-button';
          act.textContent = n.action.label;
          act.addEventListener('click', n.action.run);
          node.append(act);
        }
        return node;
      }),
    );
    this.noticesNode.style.display = notices.length ? '' : 'none';
  }

  /** Fills a row in place (runRow.ts). */
  private renderRow(row: HTMLElement, item: SourcedRun): void {
    const key = keyOf(item);
    fillRunRow(row, item, { key, selected: this.selected.has(key), sourceLabel: this.connection.label(item.source), metric: this.metricOf(item.run), mark: this.marks.get(item.source), duplicates: this.duplicates });
  }

  private runAt(event: Event): SourcedRun | null {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.rl-run-row');
    return row?.dataset.runKey ? (this.run(row.dataset.runKey) ?? null) : null;
  }

  private onClick(e: MouseEvent): void {
    const run = this.runAt(e);
    if (!run) return;
    const key = keyOf(run);
    const onBox = (e.target as HTMLElement).classList.contains('rl-row-check');
    if (e.shiftKey && this.anchor) {
      const keys = this.shown.map(keyOf);
      const [a, b] = [keys.indexOf(this.anchor), keys.indexOf(key)].sort((x, y) => x - y);
      this.select(keys.slice(a, b! + 1), this.anchor);
    } else if (onBox || e.ctrlKey || e.metaKey) {
      if (this.selected.has(key)) this.selected.delete(key);
      else this.selected.add(key);
      this.anchor = key;
      this.selectionUpdated();
    } else {
      this.select([key], key);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const keys = this.shown.map(keyOf);
    const at = this.anchor ? keys.indexOf(this.anchor) : -1;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const next = Math.min(keys.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)));
      const key = keys[next];
      if (key) {
        this.select([key], key);
        this.list.scrollToIndex(next);
      }
      e.preventDefault();
    } else if (e.key === 'Enter' && this.anchor && this.run(this.anchor)) {
      this.openRequested.emit(this.run(this.anchor)!);
    }
  }

  private select(keys: string[], anchor: string): void {
    this.selected.clear();
    keys.forEach((key) => this.selected.add(key));
    this.anchor = anchor;
    this.selectionUpdated();
  }

  /** "Charts (N)" counts the selected runs shown; selected runs the search hides are said apart. */
  private updateChartsButton(): void {
    const state = chartsButtonState(this.selected.size, this.selectedRuns().length, this.shown.length);
    this.chartsButton.textContent = state.label;
    this.selectionNote.textContent = state.note;
    this.selectionNote.style.display = state.note ? '' : 'none';
  }

  private selectionUpdated(): void {
    this.updateChartsButton();
    this.list.refresh();
    this.selectionChanged.emit(this.selectedRuns());
  }
}


function keyOf(run: SourcedRun): string {
  return runKey({ source: run.source, id: run.run.id });
}

/** Sorting by the metric each row shows (the user's choice per experiment); runs without one go last. */
function sortByMetric(runs: RunSummary[], choose: MetricChooser, order: SortOrder): RunSummary[] {
  const sign = order === 'asc' ? 1 : -1;
  const value = (r: RunSummary) => choose(r)?.value ?? NaN;
  return [...runs].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (Number.isNaN(va) || Number.isNaN(vb)) return Number.isNaN(va) ? (Number.isNaN(vb) ? b.created_at - a.created_at : 1) : -1;
    return sign * (va - vb) || b.created_at - a.created_at;
  });
}
