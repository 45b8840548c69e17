// One colour per run status, used by the legend, the compare table and the status pills, so that a
// run's status reads the same everywhere. `interrupted` (the user stopped it) and `cancelled` (a job
// called off) used to share one amber and could not be told apart.
import type { RunStatus } from '@runlane/protocol';

export const STATUS_COLORS: Record<RunStatus, string> = {
  queued: '#0969da',
  running: '#0969da',
  finished: '#1a7f37',
  failed: '#cf222e',
  crashed: '#cf222e',
  interrupted: '#9a6700',
  cancelled: '#6e7781',
  pruned: '#8250df', // a sweep trial stopped early by its pruner: not a failure, not the user's cancel
};

export function statusColor(status: string): string {
  return STATUS_COLORS[status as RunStatus] ?? '#6e7781';
}

/** The `.rl-status-<status>` pill backgrounds, generated from the one table above. */
export function statusPillCss(): string {
  return Object.entries(STATUS_COLORS)
    .map(([status, color]) => `.rl-status-${status} { background: ${color}; }`)
    .join('\n');
}
