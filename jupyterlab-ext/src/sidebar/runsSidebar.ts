// The "Runs" panel in JupyterLab's left area: every run of the store, newest first, live. Search
// (text, key=value, status:, tag:), a status filter, "this notebook only", sorting by any column,
// multi-selection (click, ctrl/cmd-click, shift-click, checkboxes) and a context menu.
import { Widget } from '@lumino/widgets';
import { Signal } from '@lumino/signaling';
import type { RunStatus, RunSummary } from '@runlane/protocol';
import { RUN_STATUSES } from '@runlane/protocol';
import { formatDuration, formatValue, mainMetric, NO_FILTER, RunSet, targetOf, type ChartsBridge, type RunFilter, type SortKey, type SortOrder } from '@runlane/ui';

import { VirtualList } from './virtualList';

const ROW_HEIGHT = 44;

/** Where the runs come from: one source (a store) and the bridge that reads it and follows its feed. */
export interface RunsSource {
  readonly source: string;
  readonly bridge: ChartsBridge;
}
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
  readonly openRequested = new Signal<this, RunSummary>(this);
  readonly selectionChanged = new Signal<this, RunSummary[]>(this);
  /** The run list changed (the feed, a reload): cell badges follow it. */
  readonly runsChanged = new Signal<this, void>(this);
  /** The run a context menu was opened on. */
  contextRun: RunSummary | null = null;

  private readonly runs: RunSet;
  private shown: RunSummary[] = [];
  private readonly selected = new Set<string>();
  private anchor: string | null = null;
  private filter: RunFilter = { ...NO_FILTER };
  private sort: SortKey = 'created';
  private order: SortOrder = 'desc';
  private notebook: string | null = null;
  private readonly list: VirtualList<RunSummary>;
  private readonly count: HTMLElement;
  private readonly chartsButton: HTMLButtonElement;
  private readonly notebookToggle: HTMLInputElement;
  private readonly message: HTMLElement;
  private ticker = 0;
  private stopFeed: () => void = () => {};
  private renderFrame = 0;

  constructor(private readonly connection: RunsSource) {
    super();
    this.id = 'runlane-runs';
    this.addClass('rl-sidebar');
    this.title.caption = 'Runlane: runs';
    this.runs = new RunSet(connection.source);

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
    this.count = document.createElement('span');
    this.count.className = 'rl-count';
    this.message = document.createElement('div');
    this.message.className = 'rl-empty';

    const header = div('rl-sidebar-header', div('rl-sidebar-title', text('span', 'Runs'), this.count), this.chartsButton);
    const tools = div('rl-sidebar-tools', search, div('rl-row', status, sort, orderButton), notebookLabel);
    this.list = new VirtualList(ROW_HEIGHT, (row, run) => this.renderRow(row, run));
    this.list.node.addEventListener('click', (e) => this.onClick(e));
    this.list.node.addEventListener('dblclick', (e) => {
      const run = this.runAt(e);
      if (run) this.openRequested.emit(run);
    });
    this.list.node.addEventListener('contextmenu', (e) => {
      const run = this.runAt(e);
      this.contextRun = run;
      if (run && !this.selected.has(run.id)) this.select([run.id], run.id);
    });
    this.list.node.addEventListener('keydown', (e) => this.onKey(e));
    this.node.append(header, tools, this.message, this.list.node);
  }

  get chartsButtonNode(): HTMLButtonElement {
    return this.chartsButton;
  }

  async load(): Promise<void> {
    this.message.textContent = 'Loading runs…';
    try {
      this.runs.reset((await this.connection.bridge.listRuns()).map((s) => s.run));
    } catch (err) {
      this.message.textContent = `Runlane could not list the runs: ${(err as Error).message}`;
      return;
    }
    this.render();
    this.stopFeed();
    this.stopFeed = this.connection.bridge.subscribe((event) => {
      if (event.type === 'reset') void this.load();
      else if (this.runs.apply(event)) this.scheduleRender();
    });
    clearInterval(this.ticker);
    // Elapsed times of running runs tick once a second (only the visible rows are redrawn).
    this.ticker = window.setInterval(() => {
      if (this.shown.some((r) => r.status === 'running')) this.list.refresh();
    }, 1000);
  }

  /** The notebook in focus (absolute path), for "This notebook". */
  setCurrentNotebook(path: string | null): void {
    this.notebook = path;
    this.notebookToggle.disabled = path === null;
    if (this.notebookToggle.checked) this.setFilter({ notebook: path });
  }

  /** Selected runs, or every shown run when none is selected. */
  selection(): RunSummary[] {
    const chosen = this.shown.filter((r) => this.selected.has(r.id));
    return chosen.length ? chosen : this.shown;
  }

  selectedRuns(): RunSummary[] {
    return this.shown.filter((r) => this.selected.has(r.id));
  }

  allRuns(): RunSummary[] {
    return this.runs.all();
  }

  run(id: string): RunSummary | undefined {
    return this.runs.get(id);
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
    this.shown = this.runs.view(this.filter, this.sort, this.order);
    for (const id of [...this.selected]) if (!this.runs.get(id)) this.selected.delete(id);
    this.count.textContent = this.shown.length === this.runs.size ? `${this.runs.size}` : `${this.shown.length} of ${this.runs.size}`;
    this.message.textContent =
      this.runs.size === 0 ? 'No runs yet. Run a cell with %%runlane (or "Run Cell as Experiment") and it appears here.' : this.shown.length === 0 ? 'No run matches.' : '';
    this.message.style.display = this.message.textContent ? '' : 'none';
    this.chartsButton.textContent = this.selected.size ? `Charts (${this.selected.size})` : 'Charts';
    this.list.setItems(this.shown);
    this.runsChanged.emit();
  }

  /** Fills a row in place: its elements stay (a double-click needs both clicks on the same ones). */
  private renderRow(row: HTMLElement, run: RunSummary): void {
    let parts = rowParts.get(row);
    if (!parts) {
      const box = input('checkbox', 'rl-row-check', '');
      box.tabIndex = -1;
      const status = text('span', '');
      const name = text('span', '', 'rl-row-name');
      const facts = text('div', '', 'rl-row-facts');
      row.replaceChildren(box, div('rl-row-body', div('rl-row-line', status, name), facts));
      parts = { box, status, name, facts };
      rowParts.set(row, parts);
    }
    row.className = `rl-vrow rl-run-row${this.selected.has(run.id) ? ' rl-selected' : ''}`;
    row.dataset.runId = run.id;
    row.title = tooltip(run);
    const metric = mainMetric(run);
    const target = targetOf(run);
    const time =
      run.status === 'running' && run.started_at ? `${formatDuration(Date.now() / 1000 - run.started_at)}` : run.duration !== null ? formatDuration(run.duration) : '';
    parts.box.checked = this.selected.has(run.id);
    parts.status.className = `rl-dot rl-dot-${run.status}`;
    parts.status.title = run.status;
    parts.name.textContent = run.name;
    parts.facts.textContent = [run.experiment, time, metric ? `${metric.key} ${formatValue(metric.value)}` : '', target ? `on ${target}` : ''].filter(Boolean).join(' · ');
  }

  private runAt(event: Event): RunSummary | null {
    const row = (event.target as HTMLElement).closest<HTMLElement>('.rl-run-row');
    return row?.dataset.runId ? (this.runs.get(row.dataset.runId) ?? null) : null;
  }

  private onClick(e: MouseEvent): void {
    const run = this.runAt(e);
    if (!run) return;
    const onBox = (e.target as HTMLElement).classList.contains('rl-row-check');
    if (e.shiftKey && this.anchor) {
      const ids = this.shown.map((r) => r.id);
      const [a, b] = [ids.indexOf(this.anchor), ids.indexOf(run.id)].sort((x, y) => x - y);
      this.select(ids.slice(a, b! + 1), this.anchor);
    } else if (onBox || e.ctrlKey || e.metaKey) {
      if (this.selected.has(run.id)) this.selected.delete(run.id);
      else this.selected.add(run.id);
      this.anchor = run.id;
      this.selectionUpdated();
    } else {
      this.select([run.id], run.id);
    }
  }

  private onKey(e: KeyboardEvent): void {
    const ids = this.shown.map((r) => r.id);
    const at = this.anchor ? ids.indexOf(this.anchor) : -1;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const next = Math.min(ids.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)));
      if (ids[next]) {
        this.select([ids[next]!], ids[next]!);
        this.list.scrollToIndex(next);
      }
      e.preventDefault();
    } else if (e.key === 'Enter' && this.anchor && this.runs.get(this.anchor)) {
      this.openRequested.emit(this.runs.get(this.anchor)!);
    }
  }

  private select(ids: string[], anchor: string): void {
    this.selected.clear();
    ids.forEach((id) => this.selected.add(id));
    this.anchor = anchor;
    this.selectionUpdated();
  }

  private selectionUpdated(): void {
    this.chartsButton.textContent = this.selected.size ? `Charts (${this.selected.size})` : 'Charts';
    this.list.refresh();
    this.selectionChanged.emit(this.selectedRuns());
  }
}

const rowParts = new WeakMap<HTMLElement, { box: HTMLInputElement; status: HTMLElement; name: HTMLElement; facts: HTMLElement }>();

function tooltip(run: RunSummary): string {
  const params = Object.entries(run.params).map(([k, v]) => `  ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [`${run.name} (${run.status})`, run.id, ...(params.length ? ['params:', ...params.slice(0, 20)] : [])].join('\n');
}

function input(type: string, className: string, placeholder: string): HTMLInputElement {
  const i = document.createElement('input');
  i.type = type;
  if (className) i.className = className;
  if (placeholder) i.placeholder = placeholder;
  return i;
}

function option(value: string, label: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

function div(className: string, ...children: (Node | string)[]): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  d.append(...children);
  return d;
}

function text(tag: string, content: string, className = ''): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = content;
  if (className) e.className = className;
  return e;
}

