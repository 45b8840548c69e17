// The shared worker-output vectors (test/fixtures/inband-vectors.json "cell"), also checked against the
// kernel helper's notebook/worker_output.py: a job's output reads the same in VS Code and JupyterLab.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WorkerOutput } from './workerOutput.js';

interface Push {
  writer: string;
  stream: string;
  text?: string;
  hex?: string;
  repeat?: number;
}
type LineEntry = string | { line: string; from: number; to: number };
interface CellCase {
  name: string;
  pushes: Push[];
  end: boolean;
  head: LineEntry[];
  hidden: number;
  tail: LineEntry[];
  live: [string, string][];
}

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/inband-vectors.json');
const vectors = JSON.parse(readFileSync(file, 'utf8')) as { cell: CellCase[] };

function pushBytes(p: Push): Uint8Array {
  if (p.hex !== undefined) return Buffer.from(p.hex, 'hex');
  const text = p.text ?? '';
  if (p.repeat === undefined) return Buffer.from(text, 'utf8');
  return Buffer.from(Array.from({ length: p.repeat }, (_, i) => text.split('{i}').join(String(i))).join(''), 'utf8');
}

function lines(entries: LineEntry[]): string[] {
  return entries.flatMap((e) =>
    typeof e === 'string' ? [e] : Array.from({ length: e.to - e.from + 1 }, (_, i) => e.line.split('{i}').join(String(e.from + i))),
  );
}

/** The cell's text as WorkerOutput renders the case's head, hidden count, tail and live lines. */
function rendered(c: CellCase): string {
  const parts = lines(c.head).map((l) => `${l}\n`);
  if (c.hidden > 0) parts.push(`… ${c.hidden} more lines are in the stored log (runlane logs) …\n`);
  parts.push(...lines(c.tail).map((l) => `${l}\n`));
  parts.push(...c.live.map(([writer, text]) => `[${writer}] ${text}\n`));
  return parts.join('');
}

describe('worker output in a cell: the shared vectors', () => {
  for (const c of vectors.cell) {
    for (const oneByteEach of [false, true]) {
      it(`${c.name} (${oneByteEach ? 'one byte a push' : 'as given'})`, () => {
        const out = new WorkerOutput(false);
        for (const p of c.pushes) {
          const bytes = pushBytes(p);
          if (!oneByteEach) out.push(p.writer, p.stream, bytes);
          else for (let i = 0; i < bytes.length; i++) out.push(p.writer, p.stream, bytes.subarray(i, i + 1));
        }
        if (c.end) out.end();
        expect(out.render()).toBe(rendered(c));
      });
    }
  }
});
