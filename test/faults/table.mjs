// Prints the fault suite's table from the rows its tests wrote (one JSON object a line: fault, load,
// checked, lost, result, and any figures) and writes it to test/bench/results/faults.json. Exits
// non-zero when a row failed or no row was written (a suite that did not run is not a pass).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const rowsFile = process.argv[2];
const results = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'results');
let text = '';
try {
  text = readFileSync(rowsFile, 'utf8');
} catch {
  // no row at all: reported below
}
const rows = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
const shown = rows.map((r) => ({ fault: r.fault, load: r.load, checked: r.checked, lost: String(r.lost ?? '-'), result: r.result }));
console.log(`\nFault and load suite (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`);
console.table(shown);
for (const r of rows) {
  const figures = Object.entries(r).filter(([k]) => !['fault', 'load', 'checked', 'lost', 'result', 'test'].includes(k));
  if (figures.length) console.log(`${r.fault}: ${figures.map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
mkdirSync(results, { recursive: true });
writeFileSync(path.join(results, 'faults.json'), JSON.stringify({ cores: os.cpus().length, rows }, null, 1) + '\n');
const failed = rows.filter((r) => r.result !== 'pass');
if (!rows.length) console.log('FAIL: no fault test wrote a row.');
for (const r of failed) console.log(`FAIL: ${r.fault} (${r.test})`);
process.exit(rows.length && !failed.length ? 0 : 1);
