// A run's note (PATCH note: a `note` event, read back by every reader and kept in the run index) and
// the undo of a delete (POST /runs/:id/restore: back from the trash, announced on the feed).
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreEvent } from '@runlane/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { DaemonClient } from '../client/daemonClient.js';
import { indexFile, StoreReader } from '../store/index.js';
import { compareEvents, foldEvents } from '../store/runFold.js';
import { Daemon } from './daemon.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
const RUN = '20261101-120000-aaaaaa';

let tmp: string;
let store: string;
let daemon: Daemon;
let client: DaemonClient;

beforeEach(async () => {
  tmp = makeTempDir('notes');
  store = path.join(tmp, 'store');
  cpSync(path.join(fixtures, 'store-v1'), store, { recursive: true });
  daemon = new Daemon({ defaultStore: store, runtimeDir: path.join(tmp, 'runtime'), idleTimeout: 0 });
  await daemon.start();
  client = await DaemonClient.connect({ runtimeDir: path.join(tmp, 'runtime'), start: false });
});

afterEach(async () => {
  await daemon.close();
  removeTempDir(tmp);
});

async function readRun(id: string) {
  return (await (await StoreReader.open(store)).listRuns()).find((r) => r.id === id);
}

/** Makes every file of the store look old, so the run index may vouch for it (its 2 s racy window). */
function age(dir: string): void {
  const old = Date.now() / 1000 - 60;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) utimesSync(path.join(entry.parentPath, entry.name), old, old);
}

describe('a run note', () => {
  it('is written as a note event, read by any reader, replaced by the next, and cleared with null', async () => {
    const text = 'lr too high?\n<b>not bold</b>\ttabbed';
    expect((await client.updateRun(RUN, { note: text })).note).toBe(text);
    expect((await readRun(RUN))?.note).toBe(text);
    const events = readdirSync(path.join(store, 'runs', RUN, 'events')).flatMap((f) => readFileSync(path.join(store, 'runs', RUN, 'events', f), 'utf8').split('\n'));
    expect(events.filter((l) => l.includes('"type":"note"')).map((l) => (JSON.parse(l) as { note: string }).note)).toEqual([text]);

    expect((await client.updateRun(RUN, { note: 'second thoughts' })).note).toBe('second thoughts');
    // The search box finds runs by words of their note.
    expect((await client.runs({ q: 'THOUGHTS' })).map((r) => r.id)).toEqual([RUN]);
    const cleared = await client.updateRun(RUN, { note: null });
    expect(cleared.note).toBeUndefined();
    expect('note' in cleared).toBe(false);
    expect((await client.updateRun(RUN, { note: 'again' })).note).toBe('again');
    expect((await client.updateRun(RUN, { note: '' })).note).toBeUndefined();
  });

  it('refuses a note that is not text, too long, or holds control characters, and writes nothing', async () => {
    await expect(client.updateRun(RUN, { note: 3 as unknown as string })).rejects.toThrow(/note must be text, or null/);
    await expect(client.updateRun(RUN, { note: 'x'.repeat(100_001) })).rejects.toThrow(/100001 characters long; keep it to 100000/);
    await expect(client.updateRun(RUN, { note: 'a\u0000b' })).rejects.toThrow(/control character or NUL/);
    await expect(client.updateRun('20991231-000000-ffffff', { note: 'x' })).rejects.toMatchObject({ status: 404 });
    expect((await readRun(RUN))?.note).toBeUndefined();
  });

  it('is kept by the run index, so a reopened store shows it without reading the run', async () => {
    await client.updateRun(RUN, { note: 'kept in the index' });
    age(store);
    expect((await readRun(RUN))?.note).toBe('kept in the index');
    const line = readFileSync(indexFile(store), 'utf8').split('\n').find((l) => l.startsWith(RUN));
    expect(line).toContain('"kept in the index"');
    expect(indexFile(store).endsWith('runs-v3.jsonl')).toBe(true);
    // Served from the index line: its note is what a reopened reader reports.
    expect((await readRun(RUN))?.note).toBe('kept in the index');
  });

  it('folds the last note of any writer; a malformed one is skipped, as readers skip unknown events', () => {
    const at = (writer: string, line: number, event: Record<string, unknown>) => ({ writer, line, event: { t: 0, type: 'x', ...event } });
    const events = [
      at('b', 0, { t: 3, type: 'note', note: 'last' }),
      at('a', 0, { t: 1, type: 'note', note: 'first' }),
      at('a', 1, { t: 4, type: 'note', note: 42 }),
      at('a', 2, { t: 5, type: 'future-kind', note: 'ignored' }),
    ].sort(compareEvents);
    expect(foldEvents(events).note).toBe('last');
  });
});

describe('restoring a deleted run', () => {
  it('brings the run back from the trash, lists it again and tells the feed', async () => {
    const seen: StoreEvent[] = [];
    const stop = client.events((e) => seen.push(e));
    try {
      await expect.poll(() => seen.some((e) => e.type === 'hello')).toBe(true);
      const before = await readRun(RUN);
      await client.updateRun(RUN, { note: 'survives the trash' });
      // Other clients (an open details view) hear of the note as a changed run.
      await expect.poll(() => seen.some((e) => e.type === 'run-updated' && e.run.id === RUN && e.run.note === 'survives the trash')).toBe(true);
      await client.deleteRun(RUN);
      expect((await client.runs()).some((r) => r.id === RUN)).toBe(false);
      await expect.poll(() => seen.some((e) => e.type === 'run-deleted' && e.run_id === RUN)).toBe(true);

      const restored = await client.restoreRun(RUN);
      expect(restored).toMatchObject({ id: RUN, name: before?.name, note: 'survives the trash' });
      expect((await client.runs()).some((r) => r.id === RUN)).toBe(true);
      expect(existsSync(path.join(store, 'trash', RUN))).toBe(false);
      await expect.poll(() => seen.some((e) => e.type === 'run-created' && e.run.id === RUN)).toBe(true);
    } finally {
      stop();
    }
  });

  it('restores the latest of several trashed copies, and refuses with a sentence when it cannot', async () => {
    await expect(client.restoreRun(RUN)).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/not in the trash/) });
    await client.updateRun(RUN, { note: 'first life' });
    await client.deleteRun(RUN);
    await client.restoreRun(RUN);
    await client.updateRun(RUN, { note: 'second life' });
    // Another copy in the trash under the plain name, as a delete after a restore can leave.
    cpSync(path.join(store, 'runs', RUN), path.join(store, 'trash', RUN), { recursive: true });
    appendFileSync(path.join(store, 'trash', RUN, 'events', '1001-0000aaaa.jsonl'), `${JSON.stringify({ t: 1, type: 'note', note: 'older copy' })}\n`);
    await expect(client.restoreRun(RUN)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/already has a run/) });
    await client.deleteRun(RUN);
    expect(existsSync(path.join(store, 'trash', `${RUN}-2`))).toBe(true);
    expect((await client.restoreRun(RUN)).note).toBe('second life');
    expect(existsSync(path.join(store, 'trash', RUN))).toBe(true);
    await expect(client.restoreRun('bad id!')).rejects.toMatchObject({ status: 400 });
  });
});
