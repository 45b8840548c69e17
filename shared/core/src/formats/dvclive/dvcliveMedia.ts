// A DVCLive run's images as media items (shared/protocol/src/media.ts): plots/images/<key>/<step>.png
// and the like. A ref is the image's path under plots/images; bytes are served only for a ref that is
// one of the run's listed images (never a path joined from the request), with the type its extension
// names. PNG sizes are read from the file's header (24 bytes); other types leave them unknown.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { HistogramSeries, MediaItem } from '@runlane/protocol';
import { IMAGE_EXTENSIONS, type DvcliveImage, type DvcliveRun } from './dvcliveRun.js';

/** The given images of the run as media items (the feed's news: only the new ones). */
export function dvcliveItems(run: DvcliveRun, images: DvcliveImage[]): Promise<MediaItem[]> {
  return Promise.all(images.map((image) => item(run, image)));
}

/** Every image of the run (of one key when given), by key then step. */
export async function dvcliveMedia(run: DvcliveRun, key?: string): Promise<MediaItem[]> {
  const images = run.images.filter((i) => key === undefined || i.key === key);
  return Promise.all(images.map((image) => item(run, image)));
}

export async function dvcliveMediaBytes(run: DvcliveRun, ref: string): Promise<{ bytes: Buffer; mime: string } | null> {
  const image = run.images.find((i) => refOf(run, i) === ref);
  if (!image) return null;
  try {
    return { bytes: await fs.readFile(image.file), mime: mimeOf(image.file) };
  } catch {
    return null; // removed since the last refresh (a restart): as if it never was
  }
}

export function dvcliveMediaKeys(run: DvcliveRun): { media_keys: string[]; histogram_keys: string[] } {
  return { media_keys: [...new Set(run.images.map((i) => i.key))].sort(), histogram_keys: [] };
}

/** DVCLive logs no histograms (its plots are custom JSON/CSV plots, not bucketed values). */
export function dvcliveHistograms(id: string, key: string): HistogramSeries {
  return { run: id, key, steps: [] };
}

function refOf(run: DvcliveRun, image: DvcliveImage): string {
  return path.relative(path.join(run.folder, 'plots', 'images'), image.file).split(path.sep).join('/');
}

function mimeOf(file: string): string {
  return IMAGE_EXTENSIONS.get(path.extname(file).toLowerCase()) ?? 'application/octet-stream';
}

async function item(run: DvcliveRun, image: DvcliveImage): Promise<MediaItem> {
  const mime = mimeOf(image.file);
  const size = mime === 'image/png' ? await pngSize(image.file) : null;
  return { key: image.key, step: image.step, wall_time: image.mtime, kind: 'image', caption: null, mime, width: size?.width ?? null, height: size?.height ?? null, size: image.size, ref: refOf(run, image) };
}

/** Width and height from a PNG's IHDR chunk; null when the file is not a PNG (or is cut short). */
async function pngSize(file: string): Promise<{ width: number; height: number } | null> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
    const head = Buffer.alloc(24);
    const { bytesRead } = await handle.read(head, 0, 24, 0);
    if (bytesRead < 24 || head.readUInt32BE(0) !== 0x89504e47 || head.toString('latin1', 12, 16) !== 'IHDR') return null;
    return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}
