// The bytes of images and texts the cards have shown, kept as object URLs (images) and strings
// (texts) so that moving the slider back and forth, or re-rendering the grid, never fetches an item
// twice. Bounded: the least recently used go first and their object URLs are revoked.
import type { MediaItem, RunRef } from '@runlane/protocol';

export type ReadMedia = (run: RunRef, ref: string) => Promise<Uint8Array>;

const MAX_ENTRIES = 3000;

interface Entry {
  blob: Promise<Blob>;
  url: string | null;
  /** Work done once per item (its decode check, its thumbnail), by name. */
  memo: Map<string, Promise<unknown>>;
}

export class MediaCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly read: ReadMedia) {}

  private entry(run: RunRef, item: MediaItem): Entry {
    const id = `${run.source}\n${run.id}\n${item.ref}`;
    let entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id); // re-inserted: now the most recently used
      this.entries.set(id, entry);
      return entry;
    }
    const blob = this.read(run, item.ref).then((bytes) => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: item.mime ?? 'application/octet-stream' }));
    entry = { blob, url: null, memo: new Map() };
    blob.catch(() => this.entries.delete(id)); // a failed read is tried again next time
    this.entries.set(id, entry);
    while (this.entries.size > MAX_ENTRIES) {
      const [oldest, old] = this.entries.entries().next().value as [string, Entry];
      if (old.url) URL.revokeObjectURL(old.url);
      void Promise.all(old.memo.values()).then((done) => done.forEach((d) => d instanceof ImageBitmap && d.close()), () => {});
      this.entries.delete(oldest);
    }
    return entry;
  }

  blob(run: RunRef, item: MediaItem): Promise<Blob> {
    return this.entry(run, item).blob;
  }

  /** An object URL of the item's bytes (for <img>), made once per item. */
  async url(run: RunRef, item: MediaItem): Promise<string> {
    const entry = this.entry(run, item);
    const blob = await entry.blob;
    return (entry.url ??= URL.createObjectURL(blob));
  }

  /** `make`'s answer for this item, made once (a failure is made again next time). */
  memo<T>(run: RunRef, item: MediaItem, name: string, make: () => Promise<T>): Promise<T> {
    const entry = this.entry(run, item);
    let p = entry.memo.get(name) as Promise<T> | undefined;
    if (!p) {
      p = make();
      p.catch(() => entry.memo.delete(name));
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
  }
}
