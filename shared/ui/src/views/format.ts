// How run facts read in every view: durations, times, sizes and param values.
import { formatDuration as formatSharedDuration } from '@runlane/protocol';

/** One duration format everywhere (the CLI's too); `—` where the UI shows no value. */
export function formatDuration(seconds: number): string {
  const text = formatSharedDuration(seconds);
  return text === '-' ? '—' : text;
}

/** Local date and time, to the second (today's runs: the time alone). */
export function formatTime(unixSeconds: number, now = new Date()): string {
  const d = new Date(unixSeconds * 1000);
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return d.toDateString() === now.toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}

/** "1 package", "3 packages": a count with its noun (a regular plural). */
export function countOf(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** A param as the user wrote it: strings bare, {"$float": "NaN"} as NaN, everything else as JSON. */
export function formatParam(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && '$float' in value && Object.keys(value).length === 1) return String((value as { $float: string }).$float);
  return JSON.stringify(value);
}

/** Numbers as the charts print them: 4 significant digits, integers whole (docs/charts.md). */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/**
 * A param as a cell or a summary line shows it: a number in the UI's one number format (a sampled
 * `lr = 0.12574345574288495` reads 0.1257), anything else as formatParam. Exports and tooltips keep formatParam.
 */
export function formatParamShort(value: unknown): string {
  // 4 significant digits without the charts' exponent below 0.001: a learning rate 0.0002 reads as typed.
  if (typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)) return String(Number(value.toPrecision(4)));
  return typeof value === 'number' ? formatNumber(value) : formatParam(value);
}
