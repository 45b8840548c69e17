// The runs table as a file: CSV for spreadsheets and pandas, Markdown for a report or a pull request.
// Both take the columns and rows the table shows, in its order, and write the values raw (no units).
import type { CellValue, RowValues } from './filterExpr.js';

/** A column to export: its key in each row and the heading to print (the key when absent). */
export type ExportColumn = string | { readonly key: string; readonly label?: string };

function keyOf(c: ExportColumn): string {
  return typeof c === 'string' ? c : c.key;
}

function labelOf(c: ExportColumn): string {
  return typeof c === 'string' ? c : (c.label ?? c.key);
}

function valueOf(row: RowValues, key: string): CellValue {
  return Object.prototype.hasOwnProperty.call(row, key) ? row[key] : undefined;
}

function text(v: CellValue): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return (v as readonly string[]).join(', ');
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v);
  return String(v);
}

const PLAIN_NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
// Excel, LibreOffice and Google Sheets run a cell starting with = + - @ (or a tab / CR, which they
// strip first) as a formula: a run named `=HYPERLINK(...)` would run in the reader's spreadsheet.
// Such text gets a leading apostrophe (OWASP's advice), which shows the text as typed. Numbers stay
// as they are: `-0.5` is a number to a spreadsheet, not a formula.
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(v: CellValue): string {
  // Most cells are numbers: their text never needs quoting or defusing.
  if (typeof v === 'number') return text(v);
  let s = text(v);
  if (FORMULA_START.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  // RFC 4180: a field with a comma, quote or line break is quoted, and its quotes doubled.
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The CSV's columns and rows with each run's id in front: a file read by a script needs what names a
 * run for good (`runlane show ID`, a join with other data), and two runs may share a name. The table's
 * own columns follow, as shown. (Markdown, for people, stays as the table shows it.)
 */
export function withRunIds(columns: readonly ExportColumn[], rows: readonly RowValues[], ids: readonly string[]): { columns: ExportColumn[]; rows: RowValues[] } {
  const key = 'run:id'; // no table column's id (those are `name`, `param:lr`, `metric:loss`, ...)
  return { columns: [{ key, label: 'run id' }, ...columns], rows: rows.map((row, i) => ({ [key]: ids[i]!, ...row })) };
}

/** RFC 4180 CSV (CRLF line ends, a header line), with formula-looking text defused (see above). */
export function toCsv(columns: readonly ExportColumn[], rows: readonly RowValues[]): string {
  const lines = [columns.map((c) => csvField(labelOf(c))).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(valueOf(row, keyOf(c)))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

// Markdown renders inline HTML and links: a run named `<img src=x onerror=...>` or `[x](http://...)`
// must print as text. Backslash escapes work for all ASCII punctuation; the pipe would end the cell.
function mdCell(v: CellValue): string {
  if (typeof v === 'number') return text(v);
  return text(v)
    .replace(/[\\|<>[\]`*_]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, ' ');
}

/** A GitHub-flavoured Markdown table; columns holding only numbers are right-aligned. */
export function toMarkdown(columns: readonly ExportColumn[], rows: readonly RowValues[]): string {
  if (columns.length === 0) return '';
  const numeric = columns.map((c) => {
    const values = rows.map((r) => valueOf(r, keyOf(c))).filter((v) => v !== null && v !== undefined && v !== '');
    return values.length > 0 && values.every((v) => typeof v === 'number');
  });
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const out = [line(columns.map((c) => mdCell(labelOf(c)))), line(numeric.map((n) => (n ? '---:' : '---')))];
  for (const row of rows) out.push(line(columns.map((c) => mdCell(valueOf(row, keyOf(c))))));
  return `${out.join('\n')}\n`;
}
