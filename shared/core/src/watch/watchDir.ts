// The one place the daemon makes a file watch (one inotify watch per folder on Linux), so that the
// system's limits are met in one place: when a watch cannot be made, the caller polls instead, and
// the user is told once, in the daemon's log, which limit it was and how to raise it.
import { watch, type FSWatcher } from 'node:fs';
import { constants } from 'node:os';

export type DirListener = (event: 'rename' | 'change', name: string | null) => void;

/** Errors that mean "the system will not give more watches", not "this folder is gone". */
const LIMIT_CODES = new Set(['ENOSPC', 'EMFILE', 'ENFILE']);

let made = 0;
let warning: string | null = null;

/**
 * Watches one folder (not its subfolders). Throws what fs.watch throws; isWatchLimit() tells a
 * limit apart. RUNLANE_TEST_WATCH_LIMIT=N makes every watch after the first N fail with the error
 * the kernel gives at its limit, so tests can prove the fallback without lowering the real,
 * system-wide limit under the other processes of the machine.
 */
export function watchDir(dir: string, listener: DirListener, onError: (err: Error) => void): FSWatcher {
  const limit = process.env.RUNLANE_TEST_WATCH_LIMIT;
  if (limit !== undefined && limit !== '' && made >= Number(limit)) throw watchLimitError(dir);
  const watcher = watch(dir, { persistent: false }, (event, name) => listener(event, typeof name === 'string' ? name : null));
  watcher.on('error', onError);
  made++;
  return watcher;
}

export function isWatchLimit(err: unknown): boolean {
  return LIMIT_CODES.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}

/** The error fs.watch throws when inotify_add_watch fails with ENOSPC, field for field. */
function watchLimitError(dir: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOSPC: System limit for number of file watchers reached, watch '${dir}'`);
  err.errno = -constants.errno.ENOSPC;
  err.code = 'ENOSPC';
  err.syscall = 'watch';
  err.path = dir;
  return err;
}

/** One line, once per process, however many folders and stores hit the limit. */
export function warnWatchLimit(err: NodeJS.ErrnoException, write: (line: string) => void = (line) => process.stderr.write(line)): void {
  if (warning !== null) return;
  warning = watchLimitMessage(err);
  write(`${warning}\n`);
}

/** The warning given, if any: the daemon's health answer carries it, for clients to show. */
export function watchWarnings(): string[] {
  return warning === null ? [] : [warning];
}

export function watchLimitMessage(err: NodeJS.ErrnoException): string {
  // ENOSPC: too many watches for this user; EMFILE/ENFILE: too many inotify instances (or open files).
  const [setting, value] = err.code === 'ENOSPC' ? ['fs.inotify.max_user_watches', 524288] : ['fs.inotify.max_user_instances', 1024];
  const files = err.code === 'ENOSPC' ? '' : ', or of open files (ulimit -n)';
  return (
    `runlane daemon: the system's limit of file watches is reached (${err.code}, ${setting}${files}); ` +
    `Runlane checks the runs it cannot watch every second instead. ` +
    `To raise the limit: sudo sysctl ${setting}=${value} (and add ${setting}=${value} to /etc/sysctl.conf to keep it).`
  );
}
