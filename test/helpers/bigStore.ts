// A big store written straight in the store format (docs/store-format.md), fast: many finished runs
// and a few running ones, whose writer is a live process of this host (so they are not 'crashed').
// And the inotify watches a process holds, counted the way the kernel lists them.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';

export interface BigStoreOptions {
  finished: number;
  running: number;
  /** Points of each of the two metrics (loss, acc) per run. */
  points?: number;
  /** The pid of the running runs' writer: a process that stays alive while the test needs them live. */
  livePid?: number;
}

/** Writes the store; returns the ids of the finished and the running runs, and each run's writer id. */
export function writeBigStore(dir: string, options: BigStoreOptions): { finished: string[]; running: string[]; writer: (id: string) => string } {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'runlane-store.json'), JSON.stringify({ format: 'runlane-store', version: 1 }));
  const points = options.points ?? 50;
  const host = hostname();
  const header = Buffer.from('RLM1\0\0\0\0', 'latin1');
  const finished: string[] = [];
  const running: string[] = [];
  const writers = new Map<string, string>();
  const total = options.finished + options.running;
  for (let i = 0; i < total; i++) {
    const live = i >= options.finished;
    const id = `20250101-${String(i).padStart(6, '0')}-${((i * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 6)}`;
    const pid = live ? (options.livePid ?? process.pid) : 1000 + (i % 5000);
    const writer = `${pid}-${((i * 40503) >>> 0).toString(16).padStart(8, '0')}`;
    const runDir = path.join(dir, 'runs', id);
    const created = 1.7e9 + i * 60;
    mkdirSync(path.join(runDir, 'events'), { recursive: true });
    mkdirSync(path.join(runDir, 'metrics', writer), { recursive: true });
    const meta = { id, name: `run ${i}`, experiment: `exp-${i % 20}`, created_at: created, kind: 'script', writer, host, pid, notebook: null, cell_id: null, source_sha256: null, execution_count: null };
    writeFileSync(path.join(runDir, 'meta.json'), JSON.stringify(meta));
    const events = [
      { t: created, type: 'hello', host, pid },
      { t: created + 0.1, type: 'status', status: 'running' },
      { t: created + 0.2, type: 'params', params: { lr: 0.001 * (1 + (i % 7)), batch: 32 << i % 3 } },
      ...(live ? [] : [{ t: created + 30, type: 'status', status: 'finished' }]),
    ];
    writeFileSync(path.join(runDir, 'events', `${writer}.jsonl`), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    for (const key of ['loss', 'acc']) {
      const buf = Buffer.alloc(header.length + points * 24);
      header.copy(buf);
      for (let s = 0; s < points; s++) {
        const at = header.length + s * 24;
        buf.writeBigInt64LE(BigInt(s), at);
        buf.writeDoubleLE(created + s * 0.5, at + 8);
        buf.writeDoubleLE(key === 'loss' ? Math.exp(-s / 20) : 1 - Math.exp(-s / 15), at + 16);
      }
      const fd = openSync(path.join(runDir, 'metrics', writer, `${key}.rlm`), 'w');
      writeSync(fd, buf);
      closeSync(fd);
    }
    (live ? running : finished).push(id);
    writers.set(id, writer);
  }
  return { finished, running, writer: (id) => writers.get(id)! };
}

/** Appends one point to a run's metric file, as its writer would. */
export function appendPoint(file: string, step: number, value: number): void {
  const buf = Buffer.alloc(24);
  buf.writeBigInt64LE(BigInt(step), 0);
  buf.writeDoubleLE(Date.now() / 1000, 8);
  buf.writeDoubleLE(value, 16);
  const fd = openSync(file, 'a');
  writeSync(fd, buf);
  closeSync(fd);
}

/** The inotify watches `pid` holds now: the `inotify wd:` lines of its inotify descriptors' fdinfo. */
export function inotifyWatches(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    if (linkOf(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:inotify') continue;
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    count += info.split('\n').filter((line) => line.startsWith('inotify wd:')).length;
  }
  return count;
}

function linkOf(file: string): string | null {
  try {
    return readlinkSync(file);
  } catch {
    return null; // closed meanwhile
  }
}

/** Sets the mtime of a folder and everything in it, as if last written at `when` (default: a minute
 * ago, older than the run index's "changed in the last seconds" rule). */
export function ageFolder(dir: string, when: Date = new Date(Date.now() - 60_000)): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) ageFolder(p, when);
    else utimesSync(p, when, when);
  }
  utimesSync(dir, when, when);
}
