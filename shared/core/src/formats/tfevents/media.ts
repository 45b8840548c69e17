// A TensorBoard run's images, histograms and text, read from its event files on demand and then
// incrementally (only appended bytes), in the shapes the store's media have (shared/protocol media.ts).
// The scalar reader skips these records; this one keeps only their place, so a run of 1,000 images
// holds 1,000 small items, and an image's bytes are read again by offset when asked for.
// A ref is `<event file name>:<record offset>:<value index>:<image index>`.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { HistogramSeries, HistogramStep, MediaItem } from '@runlane/protocol';
import type { MediaSource } from '../../store/media.js';
import { maskedCrc32c } from './crc32c.js';
import { decodeMediaEvent, mayHoldMedia } from './mediaDecoder.js';
import { readRecords } from './tfrecord.js';

const TEXT_MIME = 'text/plain; charset=utf-8';
const TEXT_INLINE_MAX = 16 * 1024;
/** Read at most this much of a file at once (a record longer than this is read whole). */
const CHUNK = 64 << 20;

interface FileState {
  offset: number;
  resyncing: boolean;
  items: MediaItem[];
  histograms: Map<string, HistogramStep[]>;
}

/** The type of an encoded image, from its first bytes (TensorBoard keeps none). */
export function imageMime(bytes: Buffer): string | null {
  if (bytes[0] === 0x89 && bytes.subarray(1, 4).toString('latin1') === 'PNG') return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg';
  if (bytes.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}

export class TensorBoardMedia {
  private readonly files = new Map<string, FileState>();

  constructor(private readonly warn: (message: string) => void = () => {}) {}

  /** Everything in `files` (one run's event files, in name order), reading only what was appended. */
  async read(files: string[]): Promise<{ items: MediaItem[]; histograms: Map<string, HistogramStep[]> }> {
    const items: MediaItem[] = [];
    const histograms = new Map<string, HistogramStep[]>();
    for (const file of files) {
      const state = await this.readFile(file);
      items.push(...state.items);
      for (const [key, steps] of state.histograms) histograms.set(key, [...(histograms.get(key) ?? []), ...steps]);
    }
    items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step));
    for (const steps of histograms.values()) steps.sort((a, b) => a.step - b.step);
    return { items, histograms: new Map([...histograms].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  }

  private async readFile(file: string): Promise<FileState> {
    let state = this.files.get(file);
    if (!state) this.files.set(file, (state = { offset: 0, resyncing: false, items: [], histograms: new Map() }));
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch {
      return state; // gone meanwhile: what was read stays
    }
    try {
      const size = (await handle.stat()).size;
      let want = CHUNK;
      while (state.offset < size) {
        const length = Math.min(size - state.offset, want);
        const buf = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buf, 0, length, state.offset);
        const base = state.offset;
        const at = state; // for the closure
        const result = readRecords(buf.subarray(0, bytesRead), (start, end) => this.onRecord(file, buf, base, start, end, at), this.warn, {
          where: file,
          baseOffset: base,
          resyncing: state.resyncing,
          skipDataCrc: true, // checked below, only for the records that may hold media
        });
        state.offset = base + result.consumed;
        state.resyncing = result.resyncing;
        if (result.consumed === 0) {
          if (!result.pendingBytes || base + result.pendingBytes > size) break; // a torn tail: next time
          want = result.pendingBytes; // one record longer than a chunk
        } else want = CHUNK;
      }
    } finally {
      await handle.close();
    }
    return state;
  }

  private onRecord(file: string, buf: Buffer, base: number, start: number, end: number, state: FileState): void {
    if (!mayHoldMedia(buf, start, end)) return;
    if (buf.readUInt32LE(end) !== maskedCrc32c(buf, start, end)) {
      this.warn(`${file}: the record at byte ${base + start - 12} has a bad checksum; it was skipped.`);
      return;
    }
    let event;
    try {
      event = decodeMediaEvent(buf, start, end);
    } catch {
      return; // a malformed event: the scalar reader warns about it
    }
    const name = path.basename(file);
    const recordOffset = base + start - 12;
    for (const v of event.values) {
      if (v.kind === 'histogram') {
        const list = state.histograms.get(v.tag) ?? [];
        list.push({ step: event.step, wall_time: event.wallTime, edges: v.edges, counts: v.counts, count: v.count, min: v.min, max: v.max, sum: v.sum });
        state.histograms.set(v.tag, list);
        continue;
      }
      const ref = `${name}:${recordOffset}:${v.index}:${v.kind === 'image' ? v.sub : 0}`;
      const base: MediaItem = { key: v.tag, step: event.step, wall_time: event.wallTime, kind: v.kind, caption: null, mime: null, width: null, height: null, size: 0, ref };
      if (v.kind === 'image') state.items.push({ ...base, mime: imageMime(v.bytes), width: v.width, height: v.height, size: v.bytes.length });
      else {
        const size = Buffer.byteLength(v.text, 'utf8');
        state.items.push({ ...base, mime: TEXT_MIME, size, ...(size <= TEXT_INLINE_MAX ? { text: v.text } : {}) });
      }
    }
  }

  /** The bytes a ref names, read again from its record (checked); null when it names nothing in `files`. */
  async bytes(files: string[], ref: string): Promise<{ bytes: Buffer; mime: string } | null> {
    const m = /^(.+):(\d{1,15}):(\d{1,6}):(\d{1,6})$/.exec(ref);
    const file = m && files.find((f) => path.basename(f) === m[1]);
    if (!m || !file) return null;
    const [offset, index, sub] = [Number(m[2]), Number(m[3]), Number(m[4])];
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch {
      return null;
    }
    try {
      const header = Buffer.alloc(12);
      if ((await handle.read(header, 0, 12, offset)).bytesRead < 12 || header.readUInt32LE(8) !== maskedCrc32c(header, 0, 8)) return null;
      const length = header.readUInt32LE(0) + header.readUInt32LE(4) * 2 ** 32;
      if (length > 1 << 30) return null;
      const data = Buffer.alloc(length + 4);
      if ((await handle.read(data, 0, length + 4, offset + 12)).bytesRead < length + 4) return null;
      if (data.readUInt32LE(length) !== maskedCrc32c(data, 0, length)) return null;
      const value = decodeMediaEvent(data, 0, length).values.find((v) => v.index === index && (v.kind !== 'image' || v.sub === sub));
      if (!value || value.kind === 'histogram') return null;
      if (value.kind === 'text') return { bytes: Buffer.from(value.text, 'utf8'), mime: TEXT_MIME };
      return { bytes: Buffer.from(value.bytes), mime: imageMime(value.bytes) ?? 'application/octet-stream' };
    } catch {
      return null;
    } finally {
      await handle.close();
    }
  }
}

/** A log directory's media (its TensorBoard runs'; DVCLive folders' images may join here). */
export class LogdirMedia implements MediaSource {
  private readonly reader = new TensorBoardMedia();
  /** Runs a client asked about, with what the feed has told of them (item refs, histogram steps). */
  private readonly followed = new Map<string, { refs: Set<string>; steps: Set<string> } | null>();

  constructor(private readonly tensorboard: { summary(id: string): unknown; eventFiles(id: string): string[] } | null) {}

  private files(id: string): string[] {
    if (!this.followed.has(id)) this.followed.set(id, null); // told from the next poll on
    return this.tensorboard?.summary(id) ? this.tensorboard.eventFiles(id) : [];
  }

  async news(): Promise<{ id: string; items: MediaItem[]; histograms: Map<string, HistogramStep[]> }[]> {
    const out: { id: string; items: MediaItem[]; histograms: Map<string, HistogramStep[]> }[] = [];
    for (const [id, told] of this.followed) {
      const files = this.tensorboard?.summary(id) ? this.tensorboard.eventFiles(id) : [];
      const { items, histograms } = await this.reader.read(files);
      const stepId = (key: string, s: HistogramStep) => `${key}\n${s.step}\n${s.wall_time}`;
      if (told === null) {
        // The first poll after a client asked: what it read then is not news.
        this.followed.set(id, { refs: new Set(items.map((i) => i.ref)), steps: new Set([...histograms].flatMap(([k, steps]) => steps.map((s) => stepId(k, s)))) });
        continue;
      }
      const fresh = items.filter((i) => !told.refs.has(i.ref));
      const freshSteps = new Map<string, HistogramStep[]>();
      for (const [key, steps] of histograms) {
        const added = steps.filter((s) => !told.steps.has(stepId(key, s)));
        if (added.length) freshSteps.set(key, added);
        for (const s of added) told.steps.add(stepId(key, s));
      }
      for (const i of fresh) told.refs.add(i.ref);
      if (fresh.length || freshSteps.size) out.push({ id, items: fresh, histograms: freshSteps });
    }
    return out;
  }

  async media(id: string, key?: string): Promise<MediaItem[]> {
    const { items } = await this.reader.read(this.files(id));
    return key === undefined ? items : items.filter((i) => i.key === key);
  }

  mediaBytes(id: string, ref: string): Promise<{ bytes: Buffer; mime: string } | null> {
    return this.reader.bytes(this.files(id), ref);
  }

  async histograms(id: string, key: string): Promise<HistogramSeries> {
    return { run: id, key, steps: (await this.reader.read(this.files(id))).histograms.get(key) ?? [] };
  }

  async mediaKeys(id: string): Promise<{ media_keys: string[]; histogram_keys: string[] }> {
    const { items, histograms } = await this.reader.read(this.files(id));
    return { media_keys: [...new Set(items.map((i) => i.key))].sort(), histogram_keys: [...histograms.keys()] };
  }
}
