// `runlane media RUN [KEY] [--json] [--out DIR]` and `runlane histograms RUN KEY [--json]`: a run's
// images, texts and histograms, from the store or a --logdir / --dvclive run (shared/protocol media.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { HistogramSeries, MediaItem } from '@runlane/protocol';
import type { MediaSource } from '../store/media.js';
import { formatNumber, printable, table } from './format.js';

const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'text/plain; charset=utf-8': 'txt' };

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/** User text in a table cell: printable, and on one line. */
function oneLine(text: string): string {
  return printable(text).replace(/[\t\n]/g, ' ');
}

/** The table `runlane media` prints: one row per image or text (a text's first line as its caption). */
export function mediaTable(items: MediaItem[]): string {
  const rows = items.map((i) => {
    const about = i.kind === 'text' ? (i.text ?? '').split('\n')[0]! : (i.caption ?? '');
    const shown = about.length > 60 ? `${about.slice(0, 59)}…` : about;
    const pixels = i.width !== null && i.height !== null ? `${i.width}x${i.height}` : '';
    return [oneLine(i.key), String(i.step), i.kind, size(i.size), pixels, oneLine(shown)];
  });
  return table(['KEY', 'STEP', 'KIND', 'SIZE', 'PIXELS', 'CAPTION / TEXT'], rows);
}

/** A key as a relative folder path that stays inside DIR: each part keeps [A-Za-z0-9_.-], others become "_". */
export function safeFolder(key: string): string {
  return key
    .split('/')
    .map((part) => {
      const clean = part.replace(/[^A-Za-z0-9_.-]/g, '_');
      return clean === '' || /^\.+$/.test(clean) ? '_' : clean;
    })
    .join(path.sep);
}

/**
 * Writes every item to DIR/<key>/<step>.<ext> (`-1`, `-2`... for several at one step), each to a
 * temp name first and then renamed, so an interrupted export leaves no half file. Returns the paths.
 */
export async function writeMedia(media: MediaSource, id: string, items: MediaItem[], dir: string): Promise<string[]> {
  const written: string[] = [];
  const taken = new Set<string>();
  for (const item of items) {
    const found = await media.mediaBytes(id, item.ref);
    if (!found) continue; // gone since it was listed
    const folder = path.join(dir, safeFolder(item.key));
    const ext = EXT[found.mime] ?? 'bin';
    let name = `${item.step}.${ext}`;
    for (let n = 1; taken.has(path.join(folder, name)); n++) name = `${item.step}-${n}.${ext}`;
    const target = path.join(folder, name);
    taken.add(target);
    await fs.mkdir(folder, { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    await fs.writeFile(tmp, found.bytes);
    await fs.rename(tmp, target);
    written.push(target);
  }
  return written;
}

/** The buckets of each step, as `runlane histograms` prints them: a bar per bucket. */
export function histogramText(series: HistogramSeries): string {
  const out: string[] = [];
  for (const s of series.steps) {
    out.push(`step ${s.step}  count ${formatNumber(s.count)}  min ${formatNumber(s.min)}  max ${formatNumber(s.max)}  sum ${formatNumber(s.sum)}`);
    const most = Math.max(1, ...s.counts);
    const rows = s.counts.map((c, i) => [`[${formatNumber(s.edges[i]!)}, ${formatNumber(s.edges[i + 1]!)})`, formatNumber(c), '#'.repeat(Math.round((30 * c) / most))]);
    out.push(
      table(['BUCKET', 'COUNT', ''], rows)
        .split('\n')
        .slice(1)
        .map((line) => `  ${line}`)
        .join('\n'),
    );
  }
  return out.join('\n');
}
