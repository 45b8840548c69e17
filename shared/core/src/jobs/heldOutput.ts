// A job's stdout or stderr on a full disk. A local job's output goes through a pipe to a small holder
// process (holdOutputMain.ts) that appends it to the run's log file with this writer: what the OS
// refuses for a full disk is held in memory (up to MAX_HELD_BYTES per stream; past it the oldest bytes
// go, counted), retried every RETRY_MS and at the next write, and written in order once there is
// space, followed by one line in that same output saying how much was held (and dropped). The job
// itself never sees the error, whoever prints: a shell script, `python train.py`, or a subprocess.
// The same rule and the same line as the Python helper's job cells (runlane/job_output.py).
import { spawn } from 'node:child_process';
import { openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';

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

/**
 * Runs `command` with its stdout and stderr through HoldingWriters appending to the two files, and
 * resolves to its exit code as a shell gives it (128 + the signal's number when a signal ended it).
 * The holder outlives the daemon as the worker does (it is in the worker's process group).
 */
export async function holdOutput(outPath: string, errPath: string, command: string[]): Promise<number> {
  const writers = [new HoldingWriter(openSync(outPath, 'a')), new HoldingWriter(openSync(errPath, 'a'))] as const;
  const put = (w: HoldingWriter, data: Buffer) => {
    try {
      w.write(data);
    } catch {
      // The file is broken for another reason than space (EIO, a removed mount): the job runs on, as
      // it would have, and its pipe is kept drained so that it never blocks on it.
    }
  };
  // A stop signals the whole group: the command decides how it ends, and the holder keeps copying
  // until its output ends (the daemon's SIGKILL after the grace period ends both).
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
  const code = await new Promise<number>((resolve) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: ['inherit', 'pipe', 'pipe'] });
    let open = 2;
    let exit: number | null = null;
    const done = () => {
      if (exit !== null && open === 0) resolve(exit);
    };
    for (const [stream, w] of [[child.stdout, writers[0]], [child.stderr, writers[1]]] as const) {
      stream.on('data', (data: Buffer) => put(w, data));
      stream.once('close', () => {
        open -= 1;
        done();
      });
    }
    child.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' ? 'not found (check its path, or PATH)' : err.code === 'EACCES' ? 'permission denied (is it executable? chmod +x)' : err.message;
      put(writers[1], Buffer.from(`runlane: cannot run ${command[0]}: ${why}\n`));
      exit = err.code === 'ENOENT' ? 127 : 126; // as a shell says "not found" / "cannot execute"
      open = 0;
      done();
    });
    child.once('exit', (status, signal) => {
      exit = signal ? 128 + (constants.signals[signal] ?? 0) : (status ?? 1);
      // A process the command left running in the background may hold the pipes open for good.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, AFTER_EXIT_MS).unref();
      done();
    });
  });
  const deadline = Date.now() + exitWaitMs();
  await Promise.all(writers.map((w) => w.flush(deadline - Date.now())));
  // The wrapper writes the exit code once this process ends, with no retry: on a full disk the run
  // would read as failed without one. Written here first, waiting for space as the output does.
  const exitFile = process.env.RUNLANE_EXIT_FILE;
  if (exitFile) await writeExitCode(exitFile, code, deadline);
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
