// Finished runs are not watched (a store of 10,000 runs would need 10,000+ watches, past the old
// 8,192 limit), but another process may still edit one: a rename or a tag is an event appended to
// its events/ folder (a new <writer>.jsonl, or an append to one), and a writer that flushes after
// the run ended (a job's rank 1 after rank 0 recorded the end) appends to its metrics/ files. This
// sweep stats each such run's events and metric files, a few runs at a time, and reports the files
// whose size or mtime changed. Runs changed within the last hour are checked every sweep, older ones
// every 8th. Logs of finished runs are not checked (no view follows an ended run's log live).
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { isTempFile } from '../store/atomicFile.js';
import { dirsPrint } from '../store/runScan.js';

/** Runs checked between two yields to the event loop, so requests are never held up for long. */
const SLICE = 250;
/** mtimes are coarse (a few ms) and clocks drift a little: "changed since T" allows this much. */
const MTIME_SLACK_MS = 1_000;
/** Runs whose events changed within the last hour (a kernel tagging the run it just ran) are checked
 * every sweep; older ones every OLD_EVERY-th sweep, so a big store's sweep stays short. */
const RECENT_MS = 3_600_000;
const OLD_EVERY = 8;

interface Fingerprint {
  /** The mtime of each folder listed (events/, metrics/, metrics/<writer>/): a new file changes it. */
  dirs: ReadonlyMap<string, number>;
  /** `size:mtime` of each file, by its path relative to the run folder. */
  files: ReadonlyMap<string, string>;
  /** The newest mtime seen among the folders and files (ms). */
  newest: number;
  /** A run the run index just vouched for, all of whose writers are gone: only a new writer can
   * change it, and a new writer changes events/ or metrics/. Its two-folder print (runScan.ts
   * dirsPrint), checked with two stats instead of listing and stat-ing every file. */
  dirsOnly?: string;
  /** When the run index vouched for it (ms). */
  checkedAt?: number;
}

/** The empty folder and file maps of every two-folder print (never written to: a check makes a new
 * print), so 100,000 of them cost no maps of their own. */
const NO_DIRS: ReadonlyMap<string, number> = new Map();
const NO_FILES: ReadonlyMap<string, string> = new Map();

export class EditSweep {
  private readonly prints = new Map<string, Fingerprint>();
  /** Runs not checked yet, with the time from which a change counts (the start, or the unfollow). */
  private readonly since = new Map<string, number>();
  private round = 0;

  constructor(
    private readonly runsDir: string,
    private readonly onChanged: (files: string[]) => void,
  ) {}

  /** Start (or restart) checking a run; changes made from `since` (ms) on are reported. */
  add(runId: string, since: number): void {
    this.prints.delete(runId);
    this.since.set(runId, since);
  }

  /** Starts checking a run from the print of its two folders the run index checked at the open
   * (a run whose writers are all gone): nothing is reported until that print changes, so the first
   * sweep does not redo the open's work. */
  addChecked(runId: string, dirs: string, checkedAt = Date.now()): void {
    this.since.delete(runId);
    this.prints.set(runId, { dirs: NO_DIRS, files: NO_FILES, newest: newestOf(dirs), dirsOnly: dirs, checkedAt });
  }

  remove(runId: string): void {
    this.prints.delete(runId);
    this.since.delete(runId);
  }

  /** Checks every run once, yielding between slices; `stopped` ends it early (close). */
  async sweep(runIds: string[], stopped: () => boolean): Promise<void> {
    const round = this.round++;
    const all = round % OLD_EVERY === 0;
    // The runs the index vouched for get their files' prints in the second round, a sweep gap
    // after the first (never in the round that follows the open); those not due then (unchanged
    // for an hour) keep the two-folder check, as the index does.
    const deep = round === 1;
    const recent = Date.now() - RECENT_MS;
    const due = (id: string): boolean => this.since.has(id) || (this.prints.has(id) && (all || this.prints.get(id)!.newest >= recent));
    for (let i = 0; i < runIds.length && !stopped(); i += SLICE) {
      const changed: string[] = [];
      for (const id of runIds.slice(i, i + SLICE)) if (due(id)) this.check(id, changed, deep);
      if (changed.length > 0) this.onChanged(changed);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private check(runId: string, changed: string[], deep: boolean): void {
    const runDir = path.join(this.runsDir, runId);
    let old = this.prints.get(runId);
    let since = this.since.get(runId);
    if (old?.dirsOnly !== undefined) {
      const dirs = dirsPrint(runDir);
      if (dirs === old.dirsOnly && !deep) return;
      if (dirs === old.dirsOnly) {
        // Once, in the second round (after the open, a slice at a time): the files' own prints, in case a writer judged gone still appended (against the format, but a
        // change shown late beats one never shown). Changes since the index's check count.
        since = old.checkedAt;
      } else {
        // A new writer: the whole run is read again (its folder reported), and from here on its
        // files are fingerprinted, to follow that writer's appends.
        changed.push(runDir);
        since = undefined;
      }
      old = undefined;
    }
    const print = { dirs: new Map<string, number>(), files: new Map<string, string>(), newest: -1 };
    // A new writer's file changes its folder's mtime; an append changes only the file's. A folder
    // whose mtime is unchanged is not listed again: its files are the ones seen last time.
    const list = (rel: string, keep: (name: string) => boolean): string[] => {
      const mtime = statSync(path.join(runDir, rel), { throwIfNoEntry: false })?.mtimeMs ?? -1;
      print.dirs.set(rel, mtime);
      print.newest = Math.max(print.newest, mtime);
      if (old && old.dirs.get(rel) === mtime) return [...old.dirs.keys(), ...old.files.keys()].filter((f) => path.dirname(f) === rel);
      return listNames(path.join(runDir, rel)).filter(keep).map((name) => path.join(rel, name));
    };
    const files = list('events', (name) => name.endsWith('.jsonl'));
    for (const writer of list('metrics', (name) => !name.startsWith('.'))) files.push(...list(writer, (name) => name.endsWith('.rlm')));
    for (const rel of files) {
      const st = statSync(path.join(runDir, rel), { throwIfNoEntry: false });
      if (!st?.isFile()) continue;
      const fileprint = `${st.size}:${st.mtimeMs}`;
      print.files.set(rel, fileprint);
      print.newest = Math.max(print.newest, st.mtimeMs);
      const isChange = old ? old.files.get(rel) !== fileprint : since !== undefined && st.mtimeMs >= since - MTIME_SLACK_MS;
      if (isChange) changed.push(path.join(runDir, rel));
    }
    this.prints.set(runId, print);
    this.since.delete(runId);
  }
}

/** The newest mtime in a dirsPrint (`size:mtime size:mtime`, `-` for a missing folder). */
function newestOf(dirs: string): number {
  return Math.max(-1, ...dirs.split(' ').map((print) => Number(print.split(':')[1] ?? -1)));
}

/** The names in a folder, without temp files of atomic writes; none when it is missing. */
function listNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => !isTempFile(name));
  } catch {
    return [];
  }
}
