import type { MediaItem, RunRef } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { MediaCache } from './mediaCache.js';

const run: RunRef = { source: '/store', id: 'r1' };
const item = (ref: string, size: number): MediaItem => ({ ref, size, mime: 'image/png' }) as MediaItem;

describe('MediaCache', () => {
  it('holds at most its bytes: the least recently used items go first, and are read again when asked for', async () => {
    const reads: string[] = [];
    const cache = new MediaCache(async (_run, ref) => {
      reads.push(ref);
      return new Uint8Array(400);
    }, 1000);
    for (const ref of ['a', 'b']) await cache.blob(run, item(ref, 400));
    await cache.blob(run, item('a', 400)); // a is now the most recently used
    await cache.blob(run, item('c', 400));
    expect(cache.size).toBeLessThanOrEqual(1000);
    await cache.blob(run, item('a', 400));
    expect(reads).toEqual(['a', 'b', 'c']); // a stayed, b went
    await cache.blob(run, item('b', 400));
    expect(reads).toEqual(['a', 'b', 'c', 'b']);
  });

  it("counts what an item's memo holds (a data: URL) toward the bound", async () => {
    const cache = new MediaCache(async () => new Uint8Array(100), 10_000);
    // As the image view makes it: from the item's bytes.
    const decoded = (ref: string, n: number) => cache.memo(run, item(ref, 100), 'decoded', async () => (await cache.blob(run, item(ref, 100))) && ref.repeat(n));
    await decoded('a', 3000);
    expect(cache.size).toBe(3100);
    await decoded('b', 8000);
    expect(cache.size).toBe(8100); // a (3,100 bytes) went to make room
  });
});
