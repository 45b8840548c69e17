// The table's toolbar: the filter expression, full-text search, Columns, and what to do with the
// selected runs (chart them, tag, delete, select the top N by a metric) and the export buttons. Only
// builds the controls; runsTable.ts wires them.
import { TAG_PLACEHOLDER } from '../common/tagInput.js';
import { el } from '../views/dom.js';

export interface TableBar {
  node: HTMLElement;
  filter: HTMLInputElement;
  search: HTMLInputElement;
  columns: HTMLButtonElement;
  count: HTMLElement;
  chart: HTMLButtonElement;
  tagInput: HTMLInputElement;
  tag: HTMLButtonElement;
  remove: HTMLButtonElement;
  topN: HTMLInputElement;
  topMetric: HTMLSelectElement;
  top: HTMLButtonElement;
  csv: HTMLButtonElement;
  markdown: HTMLButtonElement;
  message: HTMLElement;
}

const button = (text: string, title: string) => el('button', { className: 'rl-button', textContent: text, title });

export function buildTableBar(): TableBar {
  const filter = el('input', {
    type: 'text',
    className: 'rl-table-filter',
    placeholder: 'Filter: val/loss < 0.2 and lr >= 1e-3',
    title: 'An expression on columns: < <= > >= == != ~ (contains), and, or, not, parentheses; text in quotes (status == "failed"); a metric\'s min or max as val/loss.min; a param as params.lr',
    spellcheck: false,
  });
  filter.setAttribute('aria-label', 'Filter expression');
  const search = el('input', { type: 'search', className: 'rl-table-search', placeholder: 'Search text', title: 'Words found anywhere in a run: name, id, tags, note, params' });
  search.setAttribute('aria-label', 'Search');
  const columns = button('Columns', 'Choose, pin and set the value of each column');
  const count = el('span', { className: 'rl-muted rl-table-count' });
  const chart = button('Chart selected', 'Open the selected runs in a charts panel, with their comparison');
  const tagInput = el('input', { type: 'text', className: 'rl-table-tag', placeholder: 'tags: best lr=high -old', title: TAG_PLACEHOLDER });
  tagInput.setAttribute('aria-label', 'Tags for the selected runs');
  const tag = button('Tag', 'Add (or with -name remove) these tags on every selected run');
  const remove = button('Delete', 'Move the selected runs to the store\'s trash');
  const topN = el('input', { type: 'number', min: '1', value: '10', title: 'How many runs' });
  topN.setAttribute('aria-label', 'How many runs to select');
  const topMetric = el('select', { title: 'By which metric (lowest first for a loss or error, highest first otherwise)' });
  topMetric.setAttribute('aria-label', 'Metric to select the top runs by');
  const top = button('Select top', 'Select the best runs by the metric');
  const csv = button('CSV', 'Save the table as shown (filtered, sorted, its columns) as a CSV file');
  const markdown = button('Markdown', 'Copy the table as shown as a Markdown table, for a report');
  const message = el('div', { className: 'rl-table-message', role: 'status' });
  const sep = () => el('span', { className: 'rl-table-sep' });
  const node = el(
    'div',
    { className: 'rl-table-top' },
    el('div', { className: 'rl-table-bar' }, filter, search, columns, csv, markdown),
    el('div', { className: 'rl-table-bar' }, count, chart, sep(), tagInput, tag, sep(), remove, sep(), topN, topMetric, top),
    message,
  );
  return { node, filter, search, columns, count, chart, tagInput, tag, remove, topN, topMetric, top, csv, markdown, message };
}
