// Which event files a process still has open: the one real signal that a TensorBoard writer is done
// (event files hold no status, and PyTorch's SummaryWriter flushes only every 120 s, so quiet files
// say little). On Linux every process's open files are links under /proc/<pid>/fd; a finished (or
// killed) writer has closed its file. Elsewhere, and on shared file systems whose writers may be on
// other machines, there is no such signal: callers fall back to an idle window.
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
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
   * of them open. Looks first at the processes that held them last time (a running writer is then
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
      for (const target of this.fdTargets(pid)) {
        const group = groupOf.get(target);
        if (group === undefined) continue;
        this.lastHolder.set(target, pid);
        if (!open[group]) {
          open[group] = true;
          missing--;
        }
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

  private fdTargets(pid: number): string[] {
    const fdDir = path.join(this.procRoot, String(pid), 'fd');
    const targets: string[] = [];
    for (const fd of safeReaddir(fdDir)) {
      try {
        targets.push(readlinkSync(path.join(fdDir, fd)));
      } catch {
        // closed meanwhile
      }
    }
    return targets;
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
