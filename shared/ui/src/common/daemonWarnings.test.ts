import { afterEach, describe, expect, it, vi } from 'vitest';
import { CheckPacer, fixCommand, warningLine } from './daemonWarnings.js';

// The daemon's own sentence (shared/core/src/watch/watchDir.ts watchLimitMessage), as it is now.
const WATCH_LIMIT =
  "runlane daemon: the system's limit of file watches is reached (ENOSPC, fs.inotify.max_user_watches); Runlane checks the runs it cannot watch every second instead. " +
  'To raise the limit: sudo sysctl fs.inotify.max_user_watches=524288 (and add fs.inotify.max_user_watches=524288 to /etc/sysctl.conf to keep it).';

describe('a daemon warning above the runs', () => {
  it('drops the log prefix and names the command that fixes it', () => {
    expect(warningLine(WATCH_LIMIT)).toBe('File watch limit reached (fs.inotify.max_user_watches): runs Runlane cannot watch refresh every second, not at once.');
    expect(warningLine(WATCH_LIMIT.replace('ENOSPC, fs.inotify.max_user_watches', 'EMFILE, fs.inotify.max_user_instances'))).toMatch(/^File watch limit reached \(fs\.inotify\.max_user_instances\)/);
    expect(fixCommand(WATCH_LIMIT)).toBe('sudo sysctl fs.inotify.max_user_watches=524288');
    expect(fixCommand('runlane daemon: something else')).toBeNull();
    expect(warningLine('runlane daemon: something else')).toBe('Something else');
  });

  it('says in one line that another daemon runs the store\'s jobs: its pid, that launches here are refused, what to do', () => {
    // core server/jobsOwnerWarnings.ts's sentence (test/integration/jobsOwnerWarning.test.ts checks the daemon's own).
    const owner = 'Another Runlane daemon (pid 4242) runs the jobs of /home/ana/work/.runlane: jobs launched or cancelled through this daemon are refused while it runs. Launch them through that daemon (the same RUNLANE_RUNTIME_DIR), or stop it (kill 4242) and launch again.';
    expect(warningLine(owner)).toBe('Jobs of work/.runlane run in another Runlane daemon (pid 4242): jobs launched or cancelled from here are refused. Launch through that daemon, or stop it (kill 4242) and launch again.');
    expect(fixCommand(owner)).toBeNull();
  });
});

describe('CheckPacer', () => {
  afterEach(() => vi.useRealTimers());

  it('checks at once, then at most once per gap, with one check after a burst', async () => {
    vi.useFakeTimers();
    let checks = 0;
    const pacer = new CheckPacer(async () => void checks++, 10_000);
    pacer.trigger();
    await vi.advanceTimersByTimeAsync(0);
    expect(checks).toBe(1);
    for (let i = 0; i < 5; i++) pacer.trigger();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(checks).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(checks).toBe(2);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(checks).toBe(2);
    pacer.trigger();
    pacer.dispose();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(checks).toBe(2);
  });
});
