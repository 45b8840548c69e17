import { describe, expect, it } from 'vitest';
import { HEAD_LINES, TAIL_LINES, WorkerOutput } from './workerOutput.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('worker output in a cell', () => {
  it('prefixes each worker, keeps stderr apart and shows a progress bar in place', () => {
    const out = new WorkerOutput(false);
    out.push('w0', 'stdout', bytes('hello\n10%\r'));
    out.push('w1', 'stderr', bytes('warn\n'));
    out.push('w0', 'stdout', bytes('50%\r'));
    expect(out.render()).toBe('[w0] hello\n[w1 err] warn\n[w0] 50%\n');
    out.push('w0', 'stdout', bytes('100%\ndone\n'));
    expect(out.render()).toBe('[w0] hello\n[w1 err] warn\n[w0] 100%\n[w0] done\n');
  });

  it('takes in-band metric records out, even inside a progress line, and decodes UTF-8 cut anywhere', () => {
    const out = new WorkerOutput(false);
    const record = '\x1bPrunlane/1 {"k":"loss","p":[[0,1,0.5]]}\x1b\\\n';
    const text = bytes(`naïve ${record}ok\n`);
    for (const b of text) out.push('w0', 'stdout', new Uint8Array([b]));
    expect(out.render()).toBe('[w0] naïve ok\n');
  });

  it('keeps the head and a live tail of a flood, with the count of lines only in the stored log', () => {
    const out = new WorkerOutput(false);
    const total = HEAD_LINES + TAIL_LINES + 100;
    out.push('w0', 'stdout', bytes(Array.from({ length: total }, (_, i) => `line ${i}\n`).join('')));
    const lines = out.render().trimEnd().split('\n');
    expect(lines[0]).toBe('[w0] line 0');
    expect(lines[HEAD_LINES]).toBe('… 100 more lines are in the stored log (runlane logs) …');
    expect(lines.at(-1)).toBe(`[w0] line ${total - 1}`);
    expect(lines.length).toBe(HEAD_LINES + 1 + TAIL_LINES);
  });

  it('shows a line without its newline when the job ends, in colour when asked', () => {
    const out = new WorkerOutput(true);
    out.push('w1', 'stdout', bytes('no newline'));
    out.end();
    expect(out.render()).toBe('\x1b[33m[w1] \x1b[0mno newline\n');
  });
});
