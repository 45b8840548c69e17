// Durations as people read them, the same in the CLI, the sidebars and the details views (a run of
// 16 ms must not read "0.0s" in one place and "16 ms" in another).

/** `16 ms`, `4.2 s`, `42 s`, `3m 05s`, `2h 07m`, `3d 4h`; `-` when unknown or negative. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${String(m % 60).padStart(2, '0')}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}
