// The runs table both editors mount: an experiment's (or a selection's) runs, one row each, with the
// fixed columns, every param and every metric; sort, a filter expression, full-text search, a
// selection to chart, tag, delete or select by a metric; export. Data comes through the HostBridge and
// stays live from its feed: a metric point redraws the rows it touches, not the table. The layout
// (columns, widths, pins, sort) is remembered per experiment (tableState.ts).
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { parseTagInput } from '../common/tagInput.js';
import { runKey, type HostBridge, type RunRef } from '../hostBridge.js';
import { foldPoints } from '../runs/runList.js';
import { el } from '../views/dom.js';
import { countOf } from '../views/format.js';
import { buildColumns, csvHeader, csvValue, exportValue, headerText, rowValues, searchText, type MetricField, type TableColumn } from './columns.js';
import { ColumnsMenu } from './columnsMenu.js';
import { toCsv, toMarkdown, withRunIds } from './exportTable.js';
import { compileFilter } from './filterExpr.js';
import { GridView } from './gridView.js';
import { runRow, sortRows, topRuns, type GroupBy, type RunRow, type TableRow } from './rowModel.js';
import { Selection } from './selection.js';
import { buildTableBar, type TableBar } from './tableBar.js';
import { clampWidth, layoutColumns, loadTableState, moveColumn, saveTableState, toggleIn, widthOf, type TableState } from './tableState.js';
import { installTableStyles } from './tableStyles.js';
import { tableGroupBy, tableGroupControl } from '../groups/tableGroups.js';

export interface RunsTableActions {
  /** Opens these runs in a charts panel (which compares them under the charts). */
  openCharts(runs: RunRef[]): void;
  openDetails?(run: RunRef): void;
  /** Saves text as a file the user picks (a download, or the editor's save dialog). */
  saveText(fileName: string, text: string): void | Promise<void>;
  /** Copies text to the clipboard; the page's clipboard when absent. */
  copyText?(text: string): Promise<void>;
}

export interface RunsTableOptions {
  /** The experiment shown (its runs, and new ones as they come); null: every run, or `runs`. */
  experiment: string | null;
  /** A fixed selection of runs (wins over `experiment`). */
  runs?: RunRef[] | null;
  actions: RunsTableActions;
  /** Groups rows (group rows with aggregates, members under them); none by default. */
  groupBy?: GroupBy;
  /** This table's layout as its host kept it; wins over the remembered one. */
  state?: TableState;
  onStateChange?(state: TableState): void;
}

export class RunsTable {
  readonly root: HTMLElement;
  private readonly bar: TableBar;
  private readonly grid: GridView;
  private readonly menu: ColumnsMenu;
  private readonly selection = new Selection();
  private readonly runs = new Map<string, RunRow>();
  private state: TableState;
  private columns: TableColumn[] = [];
  private rows: TableRow[] = [];
  private rowIndex = new Map<string, number>();
  private searchCache = new WeakMap<RunSummary, string>();
  private valuesCache = new WeakMap<RunSummary, ReturnType<typeof rowValues>>();
  private filterTest: (run: RunSummary) => boolean = () => true;
  private collapsed = new Set<string>();
  private unsubscribe: () => void = () => {};
  private deriveFrame = 0;
  private dirtyRows = new Set<string>();
  private refreshFrame = 0;
  private listings = 0;

  constructor(host: HTMLElement, private readonly bridge: HostBridge, private readonly options: RunsTableOptions) {
    installTableStyles(host.ownerDocument);
    this.state = options.state ?? loadTableState(options.experiment);
    this.bar = buildTableBar();
    this.menu = new ColumnsMenu({
      show: (ids, on) => this.change({ hidden: ids.reduce((list, id) => toggleIn(list, id, !on), this.state.hidden) }),
      pin: (id, on) => this.change({ pinned: toggleIn(this.state.pinned, id, on) }),
      field: (id, field) => this.change({ fields: { ...this.state.fields, [id]: field } }),
    });
    this.root = el('div', { className: 'rl-root rl-table-root' }, this.bar.node, this.menu.node);
    this.root.style.position = 'relative';
    host.append(this.root);
    this.grid = new GridView(this.root, {
      sort: (id) => this.change({ sort: this.state.sort?.column === id && this.state.sort.order === 'asc' ? { column: id, order: 'desc' } : this.state.sort?.column === id ? null : { column: id, order: 'asc' } }),
      resize: (id, width) => this.change({ widths: { ...this.state.widths, [id]: clampWidth(width) } }),
      move: (id, before) => this.change(moveColumn(this.state, this.columns, id, before)),
      check: (key, shift) => {
        this.selection.click(key, shift, this.runKeysShown());
        this.redrawSelection();
      },
      checkAll: (on) => {
        this.selection.replace(on ? this.runKeysShown() : []);
        this.redrawSelection();
      },
      open: (row) => row.kind === 'run' && this.options.actions.openDetails?.(row.ref),
      toggleGroup: (row) => {
        if (this.collapsed.has(row.key)) this.collapsed.delete(row.key);
        else this.collapsed.add(row.key);
        this.derive();
      },
    });
    this.wire();
    // "Group by" (groups/tableGroups.ts): group rows through the grouping hook, unless the host gave one.
    if (!options.groupBy) {
      const grouping = tableGroupControl((by) => {
        this.options.groupBy = tableGroupBy(by, this.fieldOf);
        this.derive();
      });
      this.bar.node.querySelector('.rl-table-bar')?.append(grouping.node);
      this.options.groupBy = tableGroupBy(grouping.initial, this.fieldOf);
    }
  }

  async load(): Promise<void> {
    this.unsubscribe();
    this.unsubscribe = this.bridge.subscribe((event) => this.onEvent(event));
    await this.relist();
  }

  /** Lists the runs again (a feed reset: the subscription stays; subscribing again from inside the
   * feed's dispatch made a host that dispatches over its live listener set call it again, forever). */
  private async relist(): Promise<void> {
    // Two resets in a row (a folder added, then another): the last listing asked for is the one kept.
    const listing = ++this.listings;
    const listed = await this.bridge.listRuns();
    if (listing !== this.listings) return;
    this.runs.clear();
    for (const { source, run } of listed) if (this.wants({ source, id: run.id }, run)) this.runs.set(runKey({ source, id: run.id }), runRow({ source, id: run.id }, run));
    this.derive();
  }

  setDark(dark: boolean): void {
    this.root.classList.toggle('rl-dark', dark);
  }

  /** The layout as it is now (for a host that keeps it with its panel). */
  get layout(): TableState {
    return this.state;
  }

  dispose(): void {
    this.unsubscribe();
    cancelAnimationFrame(this.deriveFrame);
    cancelAnimationFrame(this.refreshFrame);
    this.root.remove();
  }

  private wants(ref: RunRef, run: RunSummary): boolean {
    if (this.options.runs) return this.options.runs.some((r) => r.source === ref.source && r.id === ref.id);
    return this.options.experiment === null || run.experiment === this.options.experiment;
  }

  private change(patch: Partial<TableState>): void {
    this.state = { ...this.state, ...patch };
    saveTableState(this.options.experiment, this.state);
    this.options.onStateChange?.(this.state);
    this.derive();
  }

  private fieldOf = (id: string): MetricField => this.state.fields[id] ?? 'last';

  private wire(): void {
    const b = this.bar;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.derive(), 120); // typing: one filter pass when the user pauses
    };
    b.filter.addEventListener('input', later);
    b.search.addEventListener('input', later);
    b.columns.addEventListener('click', () => this.menu.toggle());
    b.chart.addEventListener('click', () => {
      const refs = this.selectedRefs();
      if (refs.length) this.options.actions.openCharts(refs);
      else this.say('Select runs first (their boxes, shift-click for a range, or Select top).');
    });
    b.tag.addEventListener('click', () => void this.tagSelected());
    b.tagInput.addEventListener('keydown', (e) => e.key === 'Enter' && void this.tagSelected());
    b.remove.addEventListener('click', () => void this.deleteSelected());
    b.top.addEventListener('click', () => {
      const n = Math.floor(Number(b.topN.value));
      const metric = b.topMetric.value;
      if (!metric || !(n > 0)) return this.say('Choose a metric and how many runs (1 or more).');
      const shown = this.rows.filter((r): r is RunRow => r.kind === 'run');
      const keys = topRuns(shown, metric, n, this.fieldOf(`metric:${metric}`));
      this.selection.replace(keys);
      this.redrawSelection();
      this.say(`Selected the top ${keys.length} by ${metric}.`);
    });
    b.csv.addEventListener('click', () => void this.exportAs('csv'));
    b.markdown.addEventListener('click', () => void this.exportAs('markdown'));
  }

  /** Filter, search, sort and group the runs into rows, then redraw the grid (one pass, batched to a frame when live). */
  private derive(): void {
    cancelAnimationFrame(this.deriveFrame);
    this.deriveFrame = 0;
    this.columns = buildColumns([...this.runs.values()].map((r) => r.run));
    const names = new Set<string>(['id', 'experiment']);
    for (const c of this.columns) {
      names.add(c.key);
      if (c.kind === 'metric') for (const f of ['last', 'min', 'max']) names.add(`${c.key}.${f}`);
      if (c.kind === 'param') names.add(`params.${c.key}`);
    }
    const compiled = compileFilter(this.bar.filter.value, names);
    this.bar.filter.classList.toggle('rl-invalid', !compiled.ok);
    if (compiled.ok) {
      // A run's values are built once (10,000 runs x 200 columns is 2 million of them), and not at all without a filter.
      this.filterTest = this.bar.filter.value.trim() === '' ? () => true : (run) => {
        let values = this.valuesCache.get(run);
        if (!values) this.valuesCache.set(run, (values = rowValues(run)));
        return compiled.test(values);
      };
    }
    const words = this.bar.search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const test = this.filterTest;
    const shown = [...this.runs.values()].filter((r) => {
      if (!test(r.run)) return false;
      if (!words.length) return true;
      let text = this.searchCache.get(r.run);
      if (text === undefined) this.searchCache.set(r.run, (text = searchText(r.run)));
      return words.every((w) => text.includes(w));
    });
    const sortColumn = this.columns.find((c) => c.id === this.state.sort?.column) ?? null;
    const sorted = sortRows(shown, sortColumn, this.state.sort?.order ?? 'asc', sortColumn ? this.fieldOf(sortColumn.id) : 'last');
    this.rows = this.options.groupBy ? this.options.groupBy(sorted, this.runs.values()).flatMap((row) => this.expand(row)) : sorted;
    this.rowIndex = new Map(this.rows.map((r, i) => [r.key, i]));
    this.selection.retain(new Set(this.runs.keys()));
    const { pinned, scrolling } = layoutColumns(this.columns, this.state);
    this.grid.setModel({
      pinned,
      scrolling,
      rows: this.rows,
      widthOf: (id) => widthOf(this.state, id),
      fieldOf: this.fieldOf,
      sort: this.state.sort,
      isSelected: (key) => this.selection.has(key),
      allSelected: shown.length > 0 && shown.every((r) => this.selection.has(r.key)),
    });
    this.menu.update({ columns: this.columns, hidden: new Set(this.state.hidden), pinned: new Set(this.state.pinned), fieldOf: this.fieldOf });
    this.updateBar(shown.length, compiled.ok ? null : compiled.error);
  }

  /** A group row from the hook, with its members under it unless the user collapsed it. */
  private expand(row: TableRow): TableRow[] {
    if (row.kind === 'run') return [row];
    const expanded = row.expanded && !this.collapsed.has(row.key);
    return [{ ...row, expanded }, ...(expanded ? row.members.map((m) => ({ ...m, group: row.key })) : [])];
  }

  private updateBar(shown: number, error: string | null): void {
    const b = this.bar;
    b.count.textContent = `${shown} of ${this.runs.size} runs · ${this.selection.size} selected`;
    const metrics = this.columns.filter((c) => c.kind === 'metric').map((c) => c.key);
    if (b.topMetric.options.length !== metrics.length || metrics.some((m, i) => b.topMetric.options[i]?.value !== m)) {
      const keep = b.topMetric.value;
      b.topMetric.replaceChildren(...metrics.map((m) => el('option', { value: m, textContent: m })));
      b.topMetric.value = metrics.includes(keep) ? keep : (metrics.find((m) => m.startsWith('val')) ?? metrics[0] ?? '');
    }
    if (error !== null) this.say(`Filter: ${error}`, true);
    else if (b.message.dataset.kind === 'filter') this.say('');
  }

  private say(text: string, filterError = false): void {
    this.bar.message.replaceChildren(text);
    this.bar.message.classList.toggle('rl-error', filterError);
    this.bar.message.dataset.kind = filterError ? 'filter' : '';
  }

  private runKeysShown(): string[] {
    return this.rows.filter((r) => r.kind === 'run').map((r) => r.key);
  }

  private selectedRefs(): RunRef[] {
    return this.selection.inOrder(this.runKeysShown()).map((k) => this.runs.get(k)!.ref);
  }

  /** A selection change redraws the selected rows' look and the count, not the table. */
  private redrawSelection(): void {
    this.grid.refresh(this.rowIndex.values());
    const all = this.grid.scroller.querySelector<HTMLInputElement>('.rl-grid-head .rl-check input');
    const shown = this.runKeysShown();
    if (all) all.checked = shown.length > 0 && shown.every((k) => this.selection.has(k));
    this.bar.count.textContent = `${shown.length} of ${this.runs.size} runs · ${this.selection.size} selected`;
  }

  private async tagSelected(): Promise<void> {
    const refs = this.selectedRefs();
    if (!refs.length) return this.say('Select runs to tag first.');
    const edit = parseTagInput(this.bar.tagInput.value);
    if ('error' in edit) return this.say(edit.error, false);
    if (!Object.keys(edit.tags).length) return this.say('Type tags first: name or name=value, -name removes one.');
    const failed = await this.each(refs, (ref) => this.bridge.updateRun(ref, { tags: edit.tags }));
    this.bar.tagInput.value = failed.length ? this.bar.tagInput.value : '';
    this.say(failed.length ? `Tagged ${refs.length - failed.length} of ${refs.length} runs; ${failed[0]}` : `Tagged ${refs.length} run${refs.length > 1 ? 's' : ''}.`);
  }

  private async deleteSelected(): Promise<void> {
    const refs = this.selectedRefs();
    if (!refs.length) return this.say('Select runs to delete first.');
    // restoreRun is optional on the bridge (hosts that have it offer an undo).
    const restore = this.bridge.restoreRun?.bind(this.bridge);
    // Without an undo, a second click confirms (a webview has no confirm dialog).
    if (!restore && this.bar.remove.dataset.confirm !== String(refs.length)) {
      this.bar.remove.dataset.confirm = String(refs.length);
      return this.say(`Delete ${refs.length} run${refs.length > 1 ? 's' : ''} (to the store's trash)? Click Delete again to confirm.`);
    }
    delete this.bar.remove.dataset.confirm;
    const failed = await this.each(refs, (ref) => this.bridge.deleteRun(ref));
    const done = refs.length - failed.length;
    this.say(failed.length ? `Deleted ${done} of ${refs.length} runs; ${failed[0]}` : `Moved ${countOf(done, 'run')} to the trash.`);
    if (restore && done) {
      const undo = el('button', { className: 'rl-button', textContent: 'Undo' });
      const undoAll = async () => {
        const notBack = await this.each(refs, (ref) => restore(ref));
        this.say(notBack.length ? `Restored ${refs.length - notBack.length} of ${refs.length}; ${notBack[0]}` : `Restored ${refs.length} run${refs.length > 1 ? 's' : ''}.`);
      };
      undo.addEventListener('click', () => void undoAll());
      this.bar.message.append(undo);
    }
  }

  /** Runs `act` on each run (a few at a time); returns the errors' sentences. */
  private async each(refs: RunRef[], act: (ref: RunRef) => Promise<unknown>): Promise<string[]> {
    const errors: string[] = [];
    for (let i = 0; i < refs.length; i += 8) {
      const results = await Promise.allSettled(refs.slice(i, i + 8).map(act));
      for (const r of results) if (r.status === 'rejected') errors.push(r.reason instanceof Error ? r.reason.message : String(r.reason));
    }
    return errors;
  }

  /** The table as shown: its columns in order, its run rows (filtered, sorted). */
  private async exportAs(format: 'csv' | 'markdown'): Promise<void> {
    const { pinned, scrolling } = layoutColumns(this.columns, this.state);
    const columns = [...pinned, ...scrolling];
    const runs = this.rows.filter((r): r is RunRow => r.kind === 'run').map((r) => r.run);
    // The CSV is for scripts (numbers, each run's id first); Markdown for people (as the table reads).
    const [value, header] = format === 'csv' ? [csvValue, csvHeader] : [exportValue, headerText];
    const rows = runs.map((run) => Object.fromEntries(columns.map((c) => [c.id, value(c, run, this.fieldOf(c.id))])));
    const heads = columns.map((c) => ({ key: c.id, label: header(c, this.fieldOf(c.id)) }));
    try {
      if (format === 'csv') {
        const csv = withRunIds(heads, rows, runs.map((run) => run.id));
        await this.options.actions.saveText(`${(this.options.experiment ?? 'runs').replace(/[^\w.-]+/g, '_')}.csv`, toCsv(csv.columns, csv.rows));
        this.say(`Exported ${rows.length} runs as CSV.`);
      } else {
        const text = toMarkdown(heads, rows);
        await (this.options.actions.copyText ? this.options.actions.copyText(text) : navigator.clipboard.writeText(text));
        this.say(`Copied ${rows.length} runs as a Markdown table.`);
      }
    } catch (e) {
      this.say(`Could not export: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private onEvent(event: StoreEvent): void {
    if (event.type === 'reset') return void this.relist();
    if (!('store' in event)) return;
    if (event.type === 'run-created' || event.type === 'run-updated') {
      const ref = { source: event.store, id: event.run.id };
      if (!this.wants(ref, event.run)) return;
      this.runs.set(runKey(ref), runRow(ref, event.run));
      this.scheduleDerive();
    } else if (event.type === 'run-deleted') {
      if (this.runs.delete(runKey({ source: event.store, id: event.run_id }))) this.scheduleDerive();
    } else if (event.type === 'metrics') {
      const key = runKey({ source: event.store, id: event.run_id });
      const row = this.runs.get(key);
      // Summaries are rank 0's (and rank-less writers'), as the store's reader makes them.
      if (!row || (event.rank !== null && event.rank !== 0)) return;
      const isNew = !(event.key in row.run.metrics);
      row.run = { ...row.run, metrics: { ...row.run.metrics, [event.key]: foldPoints(row.run.metrics[event.key], event.steps, event.values) } };
      if (isNew) this.scheduleDerive(); // a new column
      else this.scheduleRefresh(key);
    }
  }

  private scheduleDerive(): void {
    if (!this.deriveFrame) this.deriveFrame = requestAnimationFrame(() => this.derive());
  }

  /** Live points: the row's cells are redrawn where it is in view; the order stays until the next sort. */
  private scheduleRefresh(key: string): void {
    this.dirtyRows.add(key);
    if (this.refreshFrame) return;
    this.refreshFrame = requestAnimationFrame(() => {
      this.refreshFrame = 0;
      const indexes = [...this.dirtyRows].map((k) => this.rowIndex.get(k)).filter((i): i is number => i !== undefined);
      this.dirtyRows.clear();
      for (const i of indexes) {
        const row = this.rows[i];
        const fresh = row?.kind === 'run' ? this.runs.get(row.key) : undefined;
        if (fresh && row) this.rows[i] = { ...fresh, group: (row as RunRow).group };
      }
      this.grid.refresh(indexes);
    });
  }
}
