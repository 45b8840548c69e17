import { execFileSync } from 'node:child_process';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { toCsv, toMarkdown, withRunIds } from './exportTable.js';
import type { RowValues } from './filterExpr.js';

const columns = ['name', { key: 'val/loss', label: 'val/loss (min)' }, 'lr', 'tags', 'note'];
const rows: RowValues[] = [
  { name: 'plain', 'val/loss': 0.125, lr: 1e-3, tags: ['a', 'b'], note: 'first line\nsecond, "quoted"' },
  { name: '=HYPERLINK("http://evil","click")', 'val/loss': -0.5, lr: null, tags: [], note: '@SUM(A1)' },
  { name: '+1', 'val/loss': NaN, lr: Infinity, note: '-2+3' },
  { name: 'a|b \\| c <img src=x onerror=alert(1)> [x](e.html) `code`', 'val/loss': 2, note: '\tcmd' },
];

// Python's csv module is an independent RFC 4180 reader: what it reads back is what a user gets.
function readWithPython(csv: string): string[][] {
  const script = 'import csv,io,json,sys; print(json.dumps(list(csv.reader(io.StringIO(sys.stdin.read(), newline="")))))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: csv, encoding: 'utf8' })) as string[][];
}

describe('toCsv', () => {
  it('writes a header and one record per row that a CSV reader reads back exactly', () => {
    const csv = toCsv(columns, rows);
    expect(csv.endsWith('\r\n')).toBe(true);
    const back = readWithPython(csv);
    expect(back[0]).toEqual(['name', 'val/loss (min)', 'lr', 'tags', 'note']);
    expect(back[1]).toEqual(['plain', '0.125', '0.001', 'a, b', 'first line\nsecond, "quoted"']);
    expect(back.length).toBe(5);
  });

  it('defuses text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    const back = readWithPython(toCsv(columns, rows));
    expect(back[2]).toEqual([`'=HYPERLINK("http://evil","click")`, '-0.5', '', '', `'@SUM(A1)`]);
    expect(back[3]).toEqual(['+1', 'NaN', 'Infinity', '', `'-2+3`]);
    expect(back[4]![4]).toBe(`'\tcmd`);
  });

  it("puts each run's id first, as a script reading the file needs it (two runs may share a name)", () => {
    const csv = withRunIds(columns, rows.slice(0, 2), ['20261201-040000-aaaaaa', '20261201-040001-bbbbbb']);
    const back = readWithPython(toCsv(csv.columns, csv.rows));
    expect(back[0]).toEqual(['run id', 'name', 'val/loss (min)', 'lr', 'tags', 'note']);
    expect(back.slice(1).map((r) => r.slice(0, 2))).toEqual([['20261201-040000-aaaaaa', 'plain'], ['20261201-040001-bbbbbb', `'=HYPERLINK("http://evil","click")`]]);
  });

  it('quotes a heading with a comma and handles no rows', () => {
    expect(toCsv(['a,b', '=x'], [])).toBe(`"a,b",'=x\r\n`);
  });
});

describe('toMarkdown', () => {
  it('renders as a table with one cell per column, whatever the text holds', async () => {
    const md = toMarkdown(columns, rows);
    const html = await marked.parse(md, { gfm: true });
    const bodyRows = html.split('<tr>').slice(2);
    expect(bodyRows).toHaveLength(4);
    for (const r of bodyRows) expect(r.split('<td').length - 1).toBe(5);
    // User text stays text: no element, hidden link or code span comes out of a run's name (a bare
    // URL may still be autolinked by GFM, showing the URL itself).
    expect(html).not.toMatch(/<img|<code>|>x<\/a>/);
    expect(html).toContain('a|b \\| c &lt;img src=x onerror=alert(1)&gt; [x](e.html) `code`');
  });

  it('right-aligns columns that hold only numbers and joins lines', () => {
    const md = toMarkdown(['n', 'x'], [{ n: 1, x: 'a\r\nb' }, { n: 2.5, x: 3 }, { n: null }]);
    expect(md).toBe('| n | x |\n| ---: | --- |\n| 1 | a b |\n| 2.5 | 3 |\n|  |  |\n');
    expect(toMarkdown([], rows)).toBe('');
  });
});
