// The bytes of images and texts the cards have shown, kept as object URLs (images) and strings
// (texts) so that moving the slider back and forth, or re-rendering the grid, never fetches an item
// twice. Bounded in count and in bytes (the items' bytes, their data: URLs and decoded thumbnails: a
// grid of large images could otherwise hold gigabytes): the least recently used go first and their
// object URLs are revoked.
import type { MediaItem, RunRef } from '@runlane/protocol';

export type ReadMedia = (run: RunRef, ref: string) => Promise<Uint8Array>;

const MAX_ENTRIES = 3000;
const MAX_BYTES = 256 * 1024 * 1024;

interface Entry {
  /** The item's bytes as read. A Blob is made only when asked for (blob(), url()): making one is a
   * round trip to the browser process, 0.3 ms each and most of a slider step's main-thread work
   * (a CPU profile of the media benchmark), which small images shown from data: URLs never need. */
  data: Promise<Uint8Array>;
  blob: Promise<Blob> | null;
  url: string | null;
  /** Work done once per item (its decode check, its thumbnail), by name. */
  memo: Map<string, Promise<unknown>>;
  /** What the entry holds now, counted as its parts arrive. */
  bytes: number;
}

const idOf = (run: RunRef, item: MediaItem) => `${run.source}\n${run.id}\n${item.ref}`;

/** A decoded thumbnail (ImageBitmap exists only in browsers: not in Node, where the tests run). */
const isBitmap = (value: unknown): value is ImageBitmap => typeof ImageBitmap !== 'undefined' && value instanceof ImageBitmap;

/** The memory a memoised answer holds: a decoded bitmap's pixels, a string's characters (a data:
 * URL, bare or as an object's `url`). */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (value && typeof value === 'object' && typeof (value as { url?: unknown }).url === 'string') return (value as { url: string }).url.length;
  return isBitmap(value) ? value.width * value.height * 4 : 0;
}

export class MediaCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly read: ReadMedia,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  /** The bytes the cache holds now (items, data: URLs, thumbnails). */
  get size(): number {
    return this.bytes;
  }

  private count(id: string, entry: Entry, bytes: number): void {
    if (this.entries.get(id) !== entry) return; // evicted meanwhile: it holds nothing of the cache's
    entry.bytes += bytes;
    this.bytes += bytes;
    this.evict(id);
  }

  /** Drops the least recently used until both bounds hold; `keep` (the entry in use) stays. */
  private evict(keep: string): void {
    for (const [id, old] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES && this.bytes <= this.maxBytes) return;
      if (id === keep) continue;
      if (old.url) URL.revokeObjectURL(old.url);
      void Promise.all(old.memo.values()).then((done) => done.forEach((d) => isBitmap(d) && d.close()), () => {});
      this.entries.delete(id);
      this.bytes -= old.bytes;
    }
  }

  private entry(run: RunRef, item: MediaItem): Entry {
    const id = idOf(run, item);
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id); // re-inserted: now the most recently used
      this.entries.set(id, entry);
      return entry;
    }
    const data = this.read(run, item.ref);
    const added: Entry = { data, blob: null, url: null, memo: new Map(), bytes: 0 };
    data.then(
      (b) => this.count(id, added, b.byteLength),
      () => this.entries.get(id) === added && this.entries.delete(id), // a failed read is tried again next time
    );
    this.entries.set(id, added);
    this.evict(id);
    return added;
  }

  /** The item's bytes, read once. */
  data(run: RunRef, item: MediaItem): Promise<Uint8Array> {
    return this.entry(run, item).data;
  }

  blob(run: RunRef, item: MediaItem): Promise<Blob> {
    const entry = this.entry(run, item);
    return (entry.blob ??= entry.data.then((bytes) => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: item.mime ?? 'application/octet-stream' })));
  }

  /** An object URL of the item's bytes (for <img>), made once per item. */
  async url(run: RunRef, item: MediaItem): Promise<string> {
    const blob = await this.blob(run, item);
    const entry = this.entry(run, item);
    return (entry.url ??= URL.createObjectURL(blob));
  }

  /** `make`'s answer for this item, made once (a failure is made again next time). */
  memo<T>(run: RunRef, item: MediaItem, name: string, make: () => Promise<T>): Promise<T> {
    const entry = this.entry(run, item);
    let p = entry.memo.get(name) as Promise<T> | undefined;
    if (!p) {
      p = make();
      p.then(
        (value) => this.count(idOf(run, item), entry, sizeOf(value)),
        () => entry.memo.delete(name),
      );
      entry.memo.set(name, p);
    }
    return p;
  }

  /** A text item's text: inline when it travelled in the item, else read once. */
  async text(run: RunRef, item: MediaItem): Promise<string> {
    if (item.text !== undefined) return item.text;
    return (await this.blob(run, item)).text();
  }

  dispose(): void {
    for (const entry of this.entries.values()) if (entry.url) URL.revokeObjectURL(entry.url);
    this.entries.clear();
    this.bytes = 0;
  }
}
