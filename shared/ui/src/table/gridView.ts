// The table's grid in plain DOM, virtualised both ways: only the rows and the scrolling columns in
// view are in the document (a 10,000 x 200 table keeps a few hundred cells), the pinned columns and
// the header stay put with `position: sticky` (the browser scrolls them, no script on the hot path),
// and a live update redraws only the rows it touches. Cells are text (textContent), never HTML.
import type { TableColumn } from './columns.js';
import { cellText, cellTitle, headerText, isNumeric, type MetricField } from './columns.js';
import type { TableRow } from './rowModel.js';
import { CHECK_WIDTH, ROW_HEIGHT } from './tableStyles.js';
import type { SortOrder } from './tableState.js';
import { columnOffsets, columnWindow, rowWindow, type RowWindow } from './virtualWindow.js';
import { el } from '../views/dom.js';

export interface GridModel {
  pinned: TableColumn[];
  scrolling: TableColumn[];
  widthOf(id: string): number;
  fieldOf(id: string): MetricField;
  rows: TableRow[];
  sort: { column: string; order: SortOrder } | null;
  isSelected(key: string): boolean;
  allSelected: boolean;
}

export interface GridEvents {
  sort(columnId: string): void;
  resize(columnId: string, width: number): void;
  move(columnId: string, before: string | null): void;
  check(rowKey: string, shift: boolean): void;
  checkAll(on: boolean): void;
  open(row: TableRow): void;
  toggleGroup(row: TableRow): void;
}

const HEAD_HEIGHT = ROW_HEIGHT + 4;

export class GridView {
  readonly scroller: HTMLElement;
  private readonly canvas: HTMLElement;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private model: GridModel | null = null;
  private pinnedLeft: number[] = [];
  private pinnedWidth = 0;
  private offsets: number[] = [];
  private scrollWidth = 0;
  private rowsWin: RowWindow = { first: 0, end: 0 };
  private colsWin: RowWindow = { first: 0, end: 0 };
  /** Row elements drawn now, by row index, for the column window drawn. */
  private drawn = new Map<number, HTMLElement>();
  private frame = 0;
  private dragging: string | null = null;

  constructor(host: HTMLElement, private readonly events: GridEvents) {
    this.head = el('div', { className: 'rl-grid-head' });
    this.body = el('div', { className: 'rl-grid-body' });
    this.canvas = el('div', { className: 'rl-grid-canvas' }, this.head, this.body);
    this.scroller = el('div', { className: 'rl-grid', tabIndex: 0 }, this.canvas);
    this.scroller.setAttribute('role', 'grid');
    host.append(this.scroller);
    this.scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  /** A new model: columns, widths or rows changed. Redraws the window. */
  setModel(model: GridModel): void {
    this.model = model;
    let x = CHECK_WIDTH;
    this.pinnedLeft = model.pinned.map((c) => {
      const left = x;
      x += model.widthOf(c.id);
      return left;
    });
    this.pinnedWidth = x;
    const { offsets, total } = columnOffsets(model.scrolling.map((c) => model.widthOf(c.id)));
    this.offsets = offsets;
    this.scrollWidth = total;
    this.canvas.style.width = `${this.pinnedWidth + total}px`;
    this.canvas.style.height = `${HEAD_HEIGHT + model.rows.length * ROW_HEIGHT}px`;
    this.body.style.height = `${model.rows.length * ROW_HEIGHT}px`;
    this.drawn.clear();
    this.body.replaceChildren();
    this.colsWin = { first: -1, end: -1 };
    this.draw();
  }

  /** Redraws the rows at these indexes if they are in view (a live update of a few runs). */
  refresh(indexes: Iterable<number>): void {
    for (const i of indexes) {
      const old = this.drawn.get(i);
      if (!old || !this.model) continue;
      const fresh = this.rowElement(i);
      old.replaceWith(fresh);
      this.drawn.set(i, fresh);
    }
  }

  /** The row indexes drawn now (tests and the benchmark read the window through this). */
  get window(): { rows: RowWindow; columns: RowWindow } {
    return { rows: this.rowsWin, columns: this.colsWin };
  }

  scrollToRow(index: number): void {
    this.scroller.scrollTop = index * ROW_HEIGHT;
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const m = this.model;
    if (!m) return;
    const rows = rowWindow(this.scroller.scrollTop, this.scroller.clientHeight - HEAD_HEIGHT, ROW_HEIGHT, m.rows.length);
    const cols = columnWindow(this.scroller.scrollLeft, Math.max(0, this.scroller.clientWidth - this.pinnedWidth), this.offsets, this.scrollWidth);
    const colsChanged = cols.first !== this.colsWin.first || cols.end !== this.colsWin.end;
    this.colsWin = cols;
    if (colsChanged) {
      this.drawHead();
      this.drawn.clear();
      this.body.replaceChildren();
    }
    // Rows that left the window go; rows that came in are drawn; the others stay as they are.
    for (const [i, node] of this.drawn) {
      if (i < rows.first || i >= rows.end) {
        node.remove();
        this.drawn.delete(i);
      }
    }
    const fresh: HTMLElement[] = [];
    for (let i = rows.first; i < rows.end; i++) {
      if (this.drawn.has(i)) continue;
      const node = this.rowElement(i);
      this.drawn.set(i, node);
      fresh.push(node);
    }
    if (fresh.length) this.body.append(...fresh);
    this.rowsWin = rows;
  }

  private cellBox(column: TableColumn, pinnedIndex: number, extra: string): HTMLElement {
    const m = this.model!;
    const cls = ['rl-cell', extra];
    if (isNumeric(column)) cls.push('rl-num');
    const cell = el('div', { className: cls.join(' ') });
    cell.style.width = `${m.widthOf(column.id)}px`;
    if (pinnedIndex >= 0) {
      cell.classList.add('rl-pinned');
      if (pinnedIndex === m.pinned.length - 1) cell.classList.add('rl-pinned-last');
      cell.style.left = `${this.pinnedLeft[pinnedIndex]}px`;
    }
    cell.dataset.col = column.id;
    return cell;
  }

  /** Pinned columns, a gap as wide as the scrolled-off columns, then the scrolling columns in view. */
  private visibleColumns(): { column: TableColumn; pinned: number }[] {
    const m = this.model!;
    return [...m.pinned.map((column, i) => ({ column, pinned: i })), ...m.scrolling.slice(this.colsWin.first, this.colsWin.end).map((column) => ({ column, pinned: -1 }))];
  }

  private gap(): HTMLElement {
    const gap = el('div', { className: 'rl-gap' });
    gap.style.width = `${this.offsets[this.colsWin.first] ?? 0}px`;
    return gap;
  }

  private rowElement(index: number): HTMLElement {
    const m = this.model!;
    const row = m.rows[index]!;
    const node = el('div', { className: 'rl-grid-row' });
    node.style.top = `${index * ROW_HEIGHT}px`;
    node.style.width = `${this.pinnedWidth + this.scrollWidth}px`;
    node.dataset.key = row.key;
    node.setAttribute('role', 'row');
    const check = el('div', { className: 'rl-cell rl-check' });
    check.style.width = `${CHECK_WIDTH}px`;
    if (row.kind === 'run') {
      const selected = m.isSelected(row.key);
      if (selected) node.classList.add('rl-selected');
      const box = el('input', { type: 'checkbox', checked: selected, title: 'Select (shift-click: a range)' });
      box.addEventListener('click', (e) => {
        e.preventDefault(); // the table redraws the row with the new state
        this.events.check(row.key, e.shiftKey);
      });
      check.append(box);
    } else {
      node.classList.add('rl-group-row');
      const toggle = el('button', { className: 'rl-button', textContent: row.expanded ? '▾' : '▸', title: row.expanded ? 'Collapse the group' : 'Show its runs' });
      toggle.addEventListener('click', () => this.events.toggleGroup(row));
      check.append(toggle);
    }
    const cells: HTMLElement[] = [check];
    const scrollingCells: HTMLElement[] = [];
    for (const { column, pinned } of this.visibleColumns()) {
      const cell = this.cellBox(column, pinned, '');
      if (row.kind === 'group') {
        cell.textContent = column.kind === 'name' ? `${row.label} (${row.members.length})` : (row.aggregates[column.id] ?? '');
      } else if (column.kind === 'status') {
        cell.append(el('span', { className: `rl-pill rl-status-${row.run.status}`, textContent: row.run.status }));
      } else {
        const text = cellText(column, row.run, m.fieldOf(column.id));
        cell.textContent = text;
        // Every cell may be clipped at its column's edge (a metric's too): the title holds its whole value.
        const title = cellTitle(column, row.run, m.fieldOf(column.id));
        if (title) cell.title = title;
        if (column.kind === 'name' && row.group) cell.classList.add('rl-member-name');
      }
      (pinned >= 0 ? cells : scrollingCells).push(cell);
    }
    node.append(...cells, this.gap(), ...scrollingCells);
    node.addEventListener('dblclick', () => this.events.open(row));
    return node;
  }

  private drawHead(): void {
    const m = this.model!;
    const all = el('input', { type: 'checkbox', checked: m.allSelected, title: 'Select every run shown' });
    all.addEventListener('change', () => this.events.checkAll(all.checked));
    const check = el('div', { className: 'rl-cell rl-check rl-head-cell' }, all);
    check.style.width = `${CHECK_WIDTH}px`;
    const cells: HTMLElement[] = [check];
    const scrolling: HTMLElement[] = [];
    for (const { column, pinned } of this.visibleColumns()) {
      const cell = this.cellBox(column, pinned, 'rl-head-cell');
      const sorted = m.sort?.column === column.id ? m.sort.order : null;
      if (sorted) cell.classList.add('rl-sorted');
      const label = headerText(column, m.fieldOf(column.id));
      cell.title = `${label}: click to sort, drag to move, drag its edge to resize`;
      cell.setAttribute('role', 'columnheader');
      if (sorted) cell.setAttribute('aria-sort', sorted === 'asc' ? 'ascending' : 'descending');
      cell.append(el('span', { className: 'rl-head-label', textContent: label }), el('span', { textContent: sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '' }));
      cell.addEventListener('click', () => this.events.sort(column.id));
      this.makeMovable(cell, column.id);
      cell.append(this.resizeHandle(column.id, cell));
      (pinned >= 0 ? cells : scrolling).push(cell);
    }
    this.head.style.width = `${this.pinnedWidth + this.scrollWidth}px`;
    this.head.replaceChildren(...cells, this.gap(), ...scrolling);
  }

  private makeMovable(cell: HTMLElement, id: string): void {
    cell.draggable = true;
    cell.addEventListener('dragstart', (e) => {
      this.dragging = id;
      e.dataTransfer?.setData('text/plain', id);
    });
    cell.addEventListener('dragover', (e) => {
      if (!this.dragging || this.dragging === id) return;
      e.preventDefault();
      cell.classList.add('rl-drop-before');
    });
    cell.addEventListener('dragleave', () => cell.classList.remove('rl-drop-before'));
    cell.addEventListener('drop', (e) => {
      e.preventDefault();
      cell.classList.remove('rl-drop-before');
      const moved = this.dragging;
      this.dragging = null;
      if (moved && moved !== id) this.events.move(moved, id);
    });
    cell.addEventListener('dragend', () => (this.dragging = null));
  }

  private resizeHandle(id: string, cell: HTMLElement): HTMLElement {
    const handle = el('div', { className: 'rl-col-resize', title: 'Drag to resize' });
    handle.draggable = false;
    handle.addEventListener('click', (e) => e.stopPropagation()); // not a sort
    handle.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      e.stopPropagation();
      handle.setPointerCapture(e.pointerId);
      const startX = e.clientX;
      const start = cell.getBoundingClientRect().width;
      const move = (ev: PointerEvent) => (cell.style.width = `${Math.max(24, start + ev.clientX - startX)}px`);
      const up = (ev: PointerEvent) => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
        this.events.resize(id, start + ev.clientX - startX);
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    });
    return handle;
  }
}
