// The daemon's warnings (Health.warnings: problems it works around, such as the system's limit of
// file watches) as both editors show them: one short line above the runs (what happened and what
// it costs; the daemon's own sentence, written for its log, is longer than a sidebar is wide), and
// the command that fixes it when the warning names one (a Copy button, or the line's end).
const WATCH_LIMIT = /limit of file watches is reached \((\w+), ([\w.]+)/;
/** core server/jobsOwnerWarnings.ts: another daemon holds the store's jobs lock. */
const JOBS_OWNER = /^Another Runlane daemon \(pid (\d+)\) runs the jobs of (.+?): jobs launched/;

export function warningLine(warning: string): string {
  const limit = WATCH_LIMIT.exec(warning);
  if (limit) return `File watch limit reached (${limit[2]}): runs Runlane cannot watch refresh every second, not at once.`;
  const owner = JOBS_OWNER.exec(warning);
  if (owner) {
    // The store by its last two folders (work/.runlane): the whole path is in the tooltip and the log.
    const store = owner[2]!.split(/[\\/]/).filter(Boolean).slice(-2).join('/');
    return `Jobs of ${store} run in another Runlane daemon (pid ${owner[1]}): jobs launched or cancelled from here are refused. Launch through that daemon, or stop it (kill ${owner[1]}) and launch again.`;
  }
  const text = warning.replace(/^runlane daemon:\s*/i, '').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The shell command a warning says to run (`sudo sysctl fs.inotify.max_user_watches=524288`), or null. */
export function fixCommand(warning: string): string | null {
  return /\bsudo sysctl [\w.]+=\d+/.exec(warning)?.[0] ?? null;
}

/**
 * Spaces out health checks: at most one per `gapMs`, and one more after a burst of triggers (the
 * state the burst left is the one shown). `check` runs one at a time.
 */
export class CheckPacer {
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;

  constructor(
    private readonly check: () => Promise<void>,
    private readonly gapMs: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  trigger(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.last + this.gapMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.running) return this.trigger();
      this.running = true;
      this.last = this.now();
      void this.check().finally(() => (this.running = false));
    }, wait);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
