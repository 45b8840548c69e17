// When a process started (ms since the epoch), so that a lock whose pid is alive can still be told
// apart from one left by a dead process whose pid was reused since (after a reboot, pids restart).
// Linux only (/proc); elsewhere null, and a live pid is taken as the holder.
import { readFileSync } from 'node:fs';

/** The kernel's USER_HZ: /proc times are in these ticks; 100 on every Linux architecture Node runs on. */
const TICKS_PER_S = 100;

let bootMs: number | null | undefined;

function bootTimeMs(): number | null {
  if (bootMs !== undefined) return bootMs;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('btime '));
    bootMs = line ? Number(line.slice(6)) * 1000 : null;
  } catch {
    bootMs = null;
  }
  return bootMs;
}

export function processStartedAt(pid: number): number | null {
  const boot = bootTimeMs();
  if (boot === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, which may hold spaces): state is field 3, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[22 - 3]);
    return Number.isFinite(ticks) ? boot + (ticks * 1000) / TICKS_PER_S : null;
  } catch {
    return null;
  }
}
