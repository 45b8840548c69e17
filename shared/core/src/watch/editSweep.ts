// Finished runs are not watched (a store of 10,000 runs would need 10,000+ watches, past the old
// 8,192 limit), but another process may still edit one: a rename or a tag is an event appended to
// its events/ folder (a new <writer>.jsonl, or an append to one). This sweep stats each such run's
// events folder and files, a few runs at a time, and reports the files whose size or mtime changed.
// Runs edited within the last hour are checked every sweep, older ones every 8th. Metric and log
// files of finished runs are not checked: points appended to an ended run without any event show
// at the next daemon start (the run index compares every file's size and mtime).
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Runs checked between two yields to the event loop, so requests are never held up for long. */
const SLICE = 250;
/** mtimes are coarse (a few ms) and clocks drift a little: "changed since T" allows this much. */
const MTIME_SLACK_MS = 1_000;
/** Runs whose events changed within the last hour (a kernel tagging the run it just ran) are checked
 * every sweep; older ones every OLD_EVERY-th sweep, so a big store's sweep stays short. */
const RECENT_MS = 3_600_000;
const OLD_EVERY = 8;

interface Fingerprint {
  dirMtime: number;
  files: Map<string, string>;
  /** The newest mtime seen among the folder and its files (ms). */
  newest: number;
}

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

  remove(runId: string): void {
    this.prints.delete(runId);
    this.since.delete(runId);
  }

  /** Checks every run once, yielding between slices; `stopped` ends it early (close). */
  async sweep(runIds: string[], stopped: () => boolean): Promise<void> {
    const all = this.round++ % OLD_EVERY === 0;
    const recent = Date.now() - RECENT_MS;
    const due = (id: string): boolean => this.since.has(id) || (this.prints.has(id) && (all || this.prints.get(id)!.newest >= recent));
    for (let i = 0; i < runIds.length && !stopped(); i += SLICE) {
      const changed: string[] = [];
      for (const id of runIds.slice(i, i + SLICE)) if (due(id)) this.check(id, changed);
      if (changed.length > 0) this.onChanged(changed);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private check(runId: string, changed: string[]): void {
    const dir = path.join(this.runsDir, runId, 'events');
    const old = this.prints.get(runId);
    const dirMtime = statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    // A new writer's file changes the folder's mtime; an append changes only the file's.
    const names = old && old.dirMtime === dirMtime ? [...old.files.keys()] : listJsonl(dir);
    const files = new Map<string, string>();
    let newest = dirMtime;
    const since = this.since.get(runId);
    for (const name of names) {
      const st = statSync(path.join(dir, name), { throwIfNoEntry: false });
      if (!st) continue;
      const print = `${st.size}:${st.mtimeMs}`;
      files.set(name, print);
      newest = Math.max(newest, st.mtimeMs);
      const isChange = old ? old.files.get(name) !== print : since !== undefined && st.mtimeMs >= since - MTIME_SLACK_MS;
      if (isChange) changed.push(path.join(dir, name));
    }
    this.prints.set(runId, { dirMtime, files, newest });
    this.since.delete(runId);
  }
}

function listJsonl(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.jsonl') && !name.includes('.tmp-'));
  } catch {
    return [];
  }
}
