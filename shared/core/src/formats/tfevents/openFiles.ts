// Whether a TensorBoard writer is still there: event files hold no status, and PyTorch's
// SummaryWriter flushes only every 120 s, so quiet files say little. Two real signals, on Linux:
// - tensorboardX and TensorFlow keep their event file open until close(): every process's open
//   files are links under /proc/<pid>/fd. Only files open for writing count (/proc/<pid>/fdinfo):
//   TensorBoard itself, or any reader, may hold them open to follow them.
// - PyTorch's SummaryWriter (TensorBoard's writer without TensorFlow) opens the file only for each
//   flush, but names it events.out.tfevents.<time>.<host>.<pid>.<n>: its process, on this host,
//   is alive or gone (/proc/<pid>/stat, started before the file, so a reused pid is no writer).
// Elsewhere, and on shared file systems whose writers may be on other machines, there is no such
// signal: callers fall back to an idle window.
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** File systems whose writers may run on another machine, where /proc cannot see them. */
const SHARED_FS = /^(nfs|nfs4|cifs|smb|smb2|smb3|smbfs|ceph|lustre|gpfs|beegfs|glusterfs|9p|virtiofs|afs|fuse(\..*)?|ocfs2|gfs2)$/;

export class OpenFiles {
  /** The process that held each file at the last look: looked at first, before a full scan. */
  private readonly lastHolder = new Map<string, number>();
  private readonly uid: number | undefined;

  constructor(private readonly procRoot = '/proc') {
    // Root sees every process's files; a user, their own (others' fd folders are unreadable anyway).
    this.uid = process.getuid?.() === 0 ? undefined : process.getuid?.();
  }

  /**
   * The scanner for files under `dir`, or null where open files cannot be known: not Linux, no
   * /proc, or `dir` on a shared file system.
   */
  static forDir(dir: string, procRoot = '/proc'): OpenFiles | null {
    if (process.platform !== 'linux') return null;
    let mounts: string;
    try {
      mounts = readFileSync(path.join(procRoot, 'self', 'mountinfo'), 'utf8');
    } catch {
      return null;
    }
    const fsType = mountType(mounts, realDir(dir));
    return fsType === null || SHARED_FS.test(fsType) ? null : new OpenFiles(procRoot);
  }

  /**
   * For each group of files (real paths; a run's event files), whether some other process has one
   * of them open for writing. Looks first at the processes that held them last time (a running writer is then
   * found at the cost of one fd folder), and scans every visible process only while a group is
   * still without an open file: once for a run that closed, never for one still written.
   */
  anyOpen(groups: string[][]): boolean[] {
    const groupOf = new Map<string, number>();
    groups.forEach((files, i) => files.forEach((f) => groupOf.set(f, i)));
    const open = groups.map(() => false);
    let missing = groups.length;
    const looked = new Set<number>([process.pid]); // this process reads them, briefly: never a writer
    const lookAt = (pid: number): boolean => {
      looked.add(pid);
      for (const [fd, target] of this.fdTargets(pid)) {
        const group = groupOf.get(target);
        if (group === undefined || open[group] || !this.openForWriting(pid, fd)) continue;
        this.lastHolder.set(target, pid);
        open[group] = true;
        missing--;
      }
      return missing === 0;
    };
    for (const file of groupOf.keys()) {
      const pid = this.lastHolder.get(file);
      if (pid !== undefined && !looked.has(pid) && lookAt(pid)) return open;
    }
    if (missing > 0) {
      for (const name of safeReaddir(this.procRoot)) {
        const pid = Number(name);
        if (!Number.isInteger(pid) || pid <= 0 || looked.has(pid)) continue;
        if (this.uid !== undefined && statSync(path.join(this.procRoot, name), { throwIfNoEntry: false })?.uid !== this.uid) continue;
        if (lookAt(pid)) break;
      }
    }
    groups.forEach((files, i) => !open[i] && files.forEach((f) => this.lastHolder.delete(f)));
    return open;
  }

  /**
   * For an event file whose name gives its writer's pid on this host (PyTorch, TensorFlow 2): whether
   * that process is alive and started before the file. null when the name gives no local writer.
   */
  writerAlive(file: string): boolean | null {
    const writer = namedWriter(path.basename(file), this.host);
    if (!writer) return null;
    let stat: string;
    try {
      stat = readFileSync(path.join(this.procRoot, String(writer.pid), 'stat'), 'utf8');
    } catch {
      return false; // no such process: the writer is gone
    }
    // After the command name (which may hold spaces and parentheses): state, then field 22 starttime.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return false;
    const started = this.bootTime() + Number(fields[19]) / CLOCK_TICKS;
    return started <= writer.time + 1; // a second's slack: the name's time is whole seconds
  }

  private readonly host = os.hostname();
  private boot: number | null = null;

  private bootTime(): number {
    if (this.boot === null) {
      const line = /^btime (\d+)$/m.exec(safeRead(path.join(this.procRoot, 'stat')));
      this.boot = line ? Number(line[1]) : 0;
    }
    return this.boot;
  }

  /** [fd, the file it is open on] for each open file of `pid`. */
  private fdTargets(pid: number): [string, string][] {
    const fdDir = path.join(this.procRoot, String(pid), 'fd');
    const targets: [string, string][] = [];
    for (const fd of safeReaddir(fdDir)) {
      try {
        targets.push([fd, readlinkSync(path.join(fdDir, fd))]);
      } catch {
        // closed meanwhile
      }
    }
    return targets;
  }

  /** Whether `fd` of `pid` is open for writing (the access mode in fdinfo's octal flags: O_WRONLY or O_RDWR). */
  private openForWriting(pid: number, fd: string): boolean {
    const flags = /^flags:\s*([0-7]+)$/m.exec(safeRead(path.join(this.procRoot, String(pid), 'fdinfo', fd)));
    return flags !== null && (parseInt(flags[1]!, 8) & 3) !== 0;
  }
}

/** Linux's USER_HZ, 100 on every architecture it runs on (/proc's start times count in it). */
const CLOCK_TICKS = 100;

/** The writer's pid and the file's time from events.out.tfevents.<time>.<host>.<pid>[.<more>], when <host> is `host`. */
export function namedWriter(name: string, host: string): { pid: number; time: number } | null {
  const m = /^events\.out\.tfevents\.(\d+)\.(.+)$/.exec(name);
  if (!m || !m[2]!.startsWith(`${host}.`)) return null;
  const pid = /^(\d+)(\.|$)/.exec(m[2]!.slice(host.length + 1));
  return pid ? { pid: Number(pid[1]), time: Number(m[1]) } : null;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The real path of a file or folder (as /proc's links show it); the path itself when it is gone. */
export function realDir(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The file system type of the mount holding `dir`, from /proc/self/mountinfo (the longest mount point that contains it). */
export function mountType(mountinfo: string, dir: string): string | null {
  let best: { point: string; type: string } | null = null;
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const point = unescapeMount(left.split(' ')[4] ?? '');
    const type = right.split(' ')[0] ?? '';
    const inside = point === '/' || dir === point || dir.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best?.type ?? null;
}

/** mountinfo writes spaces, tabs, newlines and backslashes in paths as octal escapes. */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // gone, or another user's
  }
}
