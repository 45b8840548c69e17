// The Columns menu: every column with a box to show it, a pin, and for a metric the value it shows
// (last, min or max); a search to find one among hundreds, and show-all / hide-all.
import type { MetricField, TableColumn } from './columns.js';
import { el } from '../views/dom.js';

export interface ColumnsMenuModel {
  columns: readonly TableColumn[];
  hidden: ReadonlySet<string>;
  pinned: ReadonlySet<string>;
  fieldOf(id: string): MetricField;
}

export interface ColumnsMenuEvents {
  show(ids: string[], on: boolean): void;
  pin(id: string, on: boolean): void;
  field(id: string, field: MetricField): void;
}

export class ColumnsMenu {
  readonly node: HTMLElement;
  private readonly list: HTMLElement;
  private readonly find: HTMLInputElement;
  private model: ColumnsMenuModel | null = null;

  constructor(private readonly events: ColumnsMenuEvents) {
    this.find = el('input', { type: 'search', placeholder: 'Find a column', className: 'rl-columns-find' });
    this.find.addEventListener('input', () => this.draw());
    const showAll = el('button', { className: 'rl-button', textContent: 'Show all' });
    const hideAll = el('button', { className: 'rl-button', textContent: 'Hide all' });
    showAll.addEventListener('click', () => this.events.show(this.matching().map((c) => c.id), true));
    // Name stays: a table without its runs' names cannot be read.
    hideAll.addEventListener('click', () => this.events.show(this.matching().filter((c) => c.id !== 'name').map((c) => c.id), false));
    this.list = el('div', { className: 'rl-columns-list' });
    this.node = el('div', { className: 'rl-columns-menu', hidden: true }, el('div', { className: 'rl-table-bar' }, this.find, showAll, hideAll), this.list);
    this.node.setAttribute('role', 'dialog');
    this.node.setAttribute('aria-label', 'Columns');
  }

  get open(): boolean {
    return !this.node.hidden;
  }

  toggle(open = !this.open): void {
    this.node.hidden = !open;
    if (open) {
      this.draw();
      this.find.focus();
    }
  }

  update(model: ColumnsMenuModel): void {
    this.model = model;
    if (this.open) this.draw();
  }

  private matching(): TableColumn[] {
    const needle = this.find.value.trim().toLowerCase();
    return (this.model?.columns ?? []).filter((c) => !needle || c.label.toLowerCase().includes(needle) || c.kind.includes(needle));
  }

  private draw(): void {
    const m = this.model;
    if (!m) return;
    this.list.replaceChildren(
      ...this.matching().map((c) => {
        const shown = el('input', { type: 'checkbox', checked: !m.hidden.has(c.id), title: `Show ${c.label}` });
        shown.addEventListener('change', () => this.events.show([c.id], shown.checked));
        const pin = el('input', { type: 'checkbox', checked: m.pinned.has(c.id), title: 'Pin to the left' });
        pin.addEventListener('change', () => this.events.pin(c.id, pin.checked));
        const item = el('div', { className: 'rl-col-item' }, shown, el('span', { textContent: c.kind === 'param' || c.kind === 'metric' ? `${c.label}  · ${c.kind}` : c.label, title: c.label }));
        item.dataset.col = c.id;
        if (c.kind === 'metric') {
          const field = el('select', { title: 'Which value of the metric the column shows' });
          field.append(...(['last', 'min', 'max'] as const).map((f) => el('option', { value: f, textContent: f, selected: m.fieldOf(c.id) === f })));
          field.addEventListener('change', () => this.events.field(c.id, field.value as MetricField));
          item.append(field);
        }
        item.append(el('span', { textContent: 'pin', className: 'rl-muted' }), pin);
        return item;
      }),
    );
  }
}
