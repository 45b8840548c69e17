// One DVCLive metric file (plots/metrics/<name>.tsv) followed as it grows. DVCLive appends one row per
// log_metric call ("timestamp\tstep\t<name>", or "step\t<name>" with timestamp=False); a `Live()`
// without resume deletes the folder's old files and starts them again, so a file that shrank, was
// replaced (another inode) or vanished means the run restarted (../shared/ANCHORS.md, DVCLive).
import { promises as fs } from 'node:fs';

export type TailResult = 'grew' | 'same' | 'restarted';

export class TsvTail {
  steps: number[] = [];
  times: number[] = [];
  values: number[] = [];
  /** Bytes read up to the end of the last whole line. */
  private offset = 0;
  private ino = -1;
  /** Column indexes from the header; -1: absent. */
  private stepCol = -1;
  private timeCol = -1;

  /** Whether its rows carry DVCLive's times; without them a row's time is the file's mtime when read. */
  get timed(): boolean {
    return this.timeCol >= 0;
  }
  private valueCol = -1;

  constructor(readonly file: string) {}

  /** Reads the rows appended since the last call; a restart starts the columns again from the file's start. */
  async read(): Promise<TailResult> {
    let stat;
    try {
      stat = await fs.stat(this.file);
    } catch {
      return this.offset > 0 || this.steps.length ? (this.reset(), 'restarted') : 'same';
    }
    let restarted = false;
    if ((this.ino !== -1 && stat.ino !== this.ino) || stat.size < this.offset) {
      this.reset();
      restarted = true;
    }
    this.ino = stat.ino;
    if (stat.size === this.offset) return restarted ? 'restarted' : 'same';
    const handle = await fs.open(this.file, 'r');
    let chunk: Buffer;
    try {
      chunk = Buffer.alloc(stat.size - this.offset);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
      chunk = chunk.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    // A row being written (no newline yet) is left for the next read.
    const end = chunk.lastIndexOf(0x0a);
    if (end < 0) return restarted ? 'restarted' : 'same';
    this.offset += end + 1;
    const fallbackTime = stat.mtimeMs / 1000;
    const before = this.steps.length;
    for (const line of chunk.subarray(0, end).toString('utf8').split('\n')) this.row(line.replace(/\r$/, ''), fallbackTime);
    if (restarted) return 'restarted';
    return this.steps.length > before ? 'grew' : 'same';
  }

  private reset(): void {
    this.steps = [];
    this.times = [];
    this.values = [];
    this.offset = 0;
    this.ino = -1;
    this.stepCol = this.timeCol = this.valueCol = -1;
  }

  private row(line: string, fallbackTime: number): void {
    if (!line) return;
    const cells = line.split('\t');
    if (this.valueCol < 0) {
      // The header: DVCLive names the value column after the metric, the others "step" and "timestamp".
      this.stepCol = cells.indexOf('step');
      this.timeCol = cells.indexOf('timestamp');
      this.valueCol = cells.findIndex((c, i) => i !== this.stepCol && i !== this.timeCol);
      if (this.valueCol < 0) this.valueCol = cells.length - 1;
      return;
    }
    const value = parseNumber(cells[this.valueCol]);
    const step = this.stepCol >= 0 ? Number(cells[this.stepCol]) : this.steps.length;
    if (value === null || !Number.isFinite(step)) return; // a malformed row is skipped, the rest kept
    const ms = this.timeCol >= 0 ? Number(cells[this.timeCol]) : NaN;
    this.steps.push(step);
    this.times.push(Number.isFinite(ms) ? ms / 1000 : fallbackTime);
    this.values.push(value);
  }
}

/** Python's float spellings as csv writes them ("nan", "inf", "-inf"), besides plain numbers. */
export function parseNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const t = text.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'true') return 1;
  if (t === 'false') return 0;
  if (t === '') return null;
  const n = Number(t);
  return Number.isNaN(n) ? null : n;
}
