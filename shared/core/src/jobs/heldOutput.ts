// A job's stdout or stderr on a full disk. A local job's output goes through a pipe to a small holder
// process (holdOutputMain.ts) that appends it to the run's log file with this writer: what the OS
// refuses for a full disk is held in memory (up to MAX_HELD_BYTES per stream; past it the oldest bytes
// go, counted), retried every RETRY_MS and at the next write, and written in order once there is
// space, followed by one line in that same output saying how much was held (and dropped). The job
// itself never sees the error, whoever prints: a shell script, `python train.py`, or a subprocess.
// The same rule and the same line as the Python helper's job cells (runlane/job_output.py).
import { openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';

export const MAX_HELD_BYTES = 16 * 1024 * 1024;
export const RETRY_MS = 1000;
const CHUNK = 1 << 20;

function diskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

const fmt = (n: number) => n.toLocaleString('en-US');

export class HoldingWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private full = false;
  private held = 0; // bytes that waited for space since the disk filled
  private dropped = 0;
  private note: string | null = null; // due at the next line's start, never inside a job's line
  private atLineStart = true;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly fd: number,
    private readonly maxHeld = MAX_HELD_BYTES,
    private readonly retryMs = RETRY_MS,
  ) {}

  /** Appends `data` after anything held; never throws for a full disk (any other error is thrown). */
  write(data: Buffer): void {
    if (this.full) this.held += data.length;
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.drain();
  }

  /** Bytes still waiting for space. */
  get waiting(): number {
    return this.pendingBytes;
  }

  private drain(): void {
    while (this.pending.length > 0) {
      let head = this.pending[0]!;
      if (head.length > CHUNK) {
        this.pending.splice(0, 1, head.subarray(0, CHUNK), head.subarray(CHUNK));
        head = this.pending[0]!;
      }
      let written: number;
      try {
        written = writeSync(this.fd, head);
      } catch (err) {
        if (!diskFull(err)) throw err;
        this.hold();
        return;
      }
      if (written > 0) this.atLineStart = head[written - 1] === 0x0a;
      this.pendingBytes -= written;
      if (written < head.length) this.pending[0] = head.subarray(written);
      else this.pending.shift();
    }
    if (this.full) {
      this.full = false;
      this.stopRetry();
      const lost = this.dropped ? `; ${fmt(this.dropped)} bytes were dropped (past ${fmt(this.maxHeld)} held)` : '';
      this.note = `runlane: the disk was full: ${fmt(this.held)} bytes of this output were held and are written above${lost}.\n`;
      this.dropped = 0;
    }
    if (this.note !== null && this.atLineStart) {
      const note = Buffer.from(this.note);
      this.note = null;
      this.pending.push(note);
      this.pendingBytes += note.length;
      this.drain();
    }
  }

  private hold(): void {
    if (!this.full) {
      this.full = true;
      this.held = this.pendingBytes;
      // A job that stops printing still gets its held output written once there is space.
      this.retry = setInterval(() => {
        try {
          this.drain();
        } catch {
          this.stopRetry(); // not a full disk any more, but broken: the next write throws it
        }
      }, this.retryMs);
      this.retry.unref(); // the pipes and flush() decide when the holder ends
    }
    // Past the bound the oldest go: the newest output says most about where the job is.
    let excess = this.pendingBytes - this.maxHeld;
    while (excess > 0 && this.pending.length > 0) {
      const head = this.pending[0]!;
      const cut = Math.min(excess, head.length);
      if (cut === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(cut);
      this.pendingBytes -= cut;
      this.dropped += cut;
      excess -= cut;
    }
  }

  private stopRetry(): void {
    if (this.retry !== null) clearInterval(this.retry);
    this.retry = null;
  }

  /** At the job's end: held output waits up to `ms` for space; true when nothing is left. */
  async flush(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        this.drain();
      } catch {
        return false; // broken for another reason than space: nothing more can be written
      }
      if (this.pendingBytes === 0) return true;
      if (Date.now() >= deadline) {
        this.stopRetry();
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(200, this.retryMs)));
    }
  }
}

/** After the command exits, how long a process it left in the background may keep its output open. */
const AFTER_EXIT_MS = 1000;

function exitWaitMs(): number {
  const seconds = Number(process.env.RUNLANE_EXIT_WAIT ?? '60');
  return (Number.isFinite(seconds) && seconds >= 0 ? seconds : 60) * 1000;
}

/** What the holder reads: the worker's two outputs, and the control socket its wrapper tells the exit code on. */
export interface HeldStreams {
  stdout: Readable;
  stderr: Readable;
  control: Readable;
}

/**
 * Copies a worker's stdout and stderr into the two files through HoldingWriters until both end, and
 * resolves to the command's exit code as its wrapper told it on the control socket (null when the
 * wrapper ended without telling: killed). The holder starts beside the worker, not before it
 * (localWorkers.ts), so that a job's first line does not wait for a Node start.
 */
export async function holdOutput(outPath: string, errPath: string, streams: HeldStreams): Promise<number | null> {
  const writers = [new HoldingWriter(openSync(outPath, 'a')), new HoldingWriter(openSync(errPath, 'a'))] as const;
  const put = (w: HoldingWriter, data: Buffer) => {
    try {
      w.write(data);
    } catch {
      // The file is broken for another reason than space (EIO, a removed mount): the job runs on, as
      // it would have, and its pipe is kept drained so that it never blocks on it.
    }
  };
  // A stop signals the worker's group, which the holder is not in; a terminal's signals are ignored
  // too: the holder keeps copying until the output ends (a SIGKILL of the group ends it).
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
  const outputs = [streams.stdout, streams.stderr];
  const ended = outputs.map(
    (stream, i) =>
      new Promise<void>((resolve) => {
        stream.on('data', (data: Buffer) => put(writers[i]!, data));
        stream.once('close', () => resolve());
        stream.once('error', () => resolve());
      }),
  );
  const code = await new Promise<number | null>((resolve) => {
    let told = '';
    let settled = false;
    const settle = (value: number | null) => {
      if (settled) return;
      settled = true;
      resolve(value);
      // A process the command left running in the background may hold the pipes open for good.
      setTimeout(() => outputs.forEach((s) => s.destroy()), AFTER_EXIT_MS).unref();
    };
    streams.control.on('data', (data: Buffer) => {
      told += data.toString('latin1');
      const line = told.indexOf('\n');
      if (line >= 0) {
        const value = Number(told.slice(0, line));
        settle(Number.isInteger(value) ? value : null);
      }
    });
    streams.control.once('close', () => settle(null)); // after the code: nothing more to settle
    streams.control.once('error', () => settle(null));
  });
  await Promise.all(ended);
  const deadline = Date.now() + exitWaitMs();
  await Promise.all(writers.map((w) => w.flush(deadline - Date.now())));
  // The wrapper writes the exit code once this process ends, with no retry: on a full disk the run
  // would read as failed without one. Written here first, waiting for space as the output does.
  const exitFile = process.env.RUNLANE_EXIT_FILE;
  if (exitFile && code !== null) await writeExitCode(exitFile, code, deadline);
  return code;
}

async function writeExitCode(file: string, code: number, deadline: number): Promise<void> {
  const tmp = `${file}.tmp-holder`;
  for (;;) {
    try {
      writeFileSync(tmp, String(code));
      renameSync(tmp, file);
      return;
    } catch (err) {
      try {
        rmSync(tmp, { force: true });
      } catch {
        // left for the wrapper's write to go on without it
      }
      if (!diskFull(err) || Date.now() >= deadline) return; // the wrapper tries once more
      await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MS, Math.max(0, deadline - Date.now()))));
    }
  }
}
