// The SSH follower connection: the host's Python runs the helper's follower (runlane/ssh_follower.py,
// copied there with the helper), which prints every append to the job's run files as JSON lines; this
// end writes them into the local run by byte offset, so a dropped connection, or a new daemon,
// resumes with nothing lost or repeated.
import { type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { shellQuote } from './shellQuote.js';
import { followerOnHost, remotePath, ssh, uploadFollower, type SshTarget } from './sshWorkers.js';

/**
 * Mirrors the host's run folder into the local one until `stop()` is called and the last bytes are
 * in. Reconnects after a dropped connection from the offsets reached locally.
 */
export class SshMirror {
  private child: ChildProcess | null = null;
  private stopping = false;
  private abandoned = false;
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    private readonly t: SshTarget,
    private readonly runId: string,
    private readonly localRunDir: string,
    /** Called with each file's new bytes, once, in order (the in-band metrics demux reads stdout here). */
    private readonly onAppend?: (rel: string, bytes: Buffer) => void,
    /**
     * The helper folder whose follower to copy to the host before the first connection: for a job
     * re-adopted by this daemon, whose host copy of the helper may predate the follower file.
     */
    private copyFollowerFrom?: string,
  ) {}

  start(): void {
    if (this.copyFollowerFrom !== undefined) {
      const from = this.copyFollowerFrom;
      uploadFollower(this.t, from).then(
        () => {
          this.copyFollowerFrom = undefined;
          if (!this.abandoned) this.start();
        },
        () => this.retry(),
      );
      return;
    }
    const remoteRun = `${remotePath(this.t.workdir)}/runs/${shellQuote(this.runId)}`;
    const offsets = JSON.stringify(this.localOffsets());
    // -I: the helper's own modules, beside the follower, must not shadow the standard library's.
    const child = ssh(this.t, `mkdir -p ${remoteRun} && exec ${shellQuote(this.t.python)} -I -u ${followerOnHost(this.t)} ${remoteRun} ${shellQuote(offsets)}`);
    this.child = child;
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        this.apply(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    child.on('close', (code) => {
      this.child = null;
      if (this.stopping && code === 0) this.finished();
      else this.retry(); // dropped: resume from where the local files are
    });
    if (this.stopping) child.stdin!.end();
  }

  private retry(): void {
    if (!this.abandoned) setTimeout(() => !this.abandoned && this.start(), 500).unref();
  }

  /** The daemon is closing: drop the connection and do not reconnect (the next daemon resumes). */
  abandon(): void {
    this.abandoned = true;
    this.child?.kill('SIGTERM');
  }

  /** The job ended: let the follower send what is left, then stop. */
  stop(): Promise<void> {
    this.stopping = true;
    this.child?.stdin?.end();
    return this.done;
  }

  /** The follower connection's pid (tests cut it to check the resume). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private localOffsets(): Record<string, number> {
    const offsets: Record<string, number> = {};
    for (const [prefix, dir] of [['', this.localRunDir], ...this.localBlockRuns().map((name) => [`@${name}/`, this.siblingDir(name)])] as [string, string][]) {
      for (const top of ['events', 'job', 'logs', 'metrics']) {
        const base = path.join(dir, top);
        for (const rel of walk(base)) offsets[prefix + path.join(top, rel)] = statSync(path.join(base, rel)).size;
      }
    }
    return offsets;
  }

  /** The runs of later `rl.run()` blocks of this job's workers (`<run>-b2`...), already mirrored here. */
  private localBlockRuns(): string[] {
    try {
      return readdirSync(path.dirname(this.localRunDir)).filter((n) => isBlockRunOf(this.runId, n));
    } catch {
      return [];
    }
  }

  private siblingDir(name: string): string {
    return path.join(path.dirname(this.localRunDir), name);
  }

  private apply(line: string): void {
    let msg: { p: string; o: number; d: string; s?: number };
    try {
      msg = JSON.parse(line) as { p: string; o: number; d: string; s?: number };
    } catch {
      return;
    }
    // `@<run>-bN/...`: a block run's file, mirrored into its own run folder beside the job's.
    const block = /^@([A-Za-z0-9_-]+)\/(.+)$/.exec(msg.p);
    if (block && !isBlockRunOf(this.runId, block[1]!)) return;
    const dir = block ? this.siblingDir(block[1]!) : this.localRunDir;
    const rel = path.normalize(block ? block[2]! : msg.p);
    if (msg.s === 1) {
      if (!(rel === 'env.json' || (block && (rel === 'meta.json' || rel === 'source.py')))) return;
      // A snapshot file: replaced whole, atomically, as the store format asks of its writers.
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, rel);
      writeFileSync(`${file}.tmp-mirror`, Buffer.from(msg.d, 'base64'));
      renameSync(`${file}.tmp-mirror`, file);
      return;
    }
    if (rel.startsWith('..') || path.isAbsolute(rel) || !/^(events|job|logs|metrics)\//.test(rel)) return; // only the run's own files
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    const size = existsSync(file) ? statSync(file).size : 0;
    const data = Buffer.from(msg.d, 'base64');
    if (msg.o + data.length <= size) return; // already here (a resumed follower repeats nothing we keep)
    const fresh = data.subarray(size - msg.o); // exactly what is new
    const fd = openSync(file, 'a');
    try {
      writeSync(fd, fresh);
    } finally {
      closeSync(fd);
    }
    if (!block) this.onAppend?.(rel, fresh); // in-band records come from the job's own workers' output
  }
}

/** `<job run id>-b<N>`: the run of a worker's Nth `rl.run()` block (the helper's naming, api.py). */
function isBlockRunOf(runId: string, name: string): boolean {
  return name.startsWith(`${runId}-b`) && /^\d+$/.test(name.slice(runId.length + 2));
}

function walk(dir: string, prefix = ''): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => (statSync(path.join(dir, n)).isDirectory() ? walk(path.join(dir, n), path.join(prefix, n)) : [path.join(prefix, n)]));
}
