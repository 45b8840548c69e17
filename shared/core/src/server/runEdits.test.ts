// The daemon's write routes: rename and tag (events by the daemon's writer), delete (to the trash,
// nothing lost), artifacts (read only inside the run's folder) and their errors.
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { DaemonClient } from '../client/daemonClient.js';
import { StoreReader } from '../store/index.js';
import { Daemon } from './daemon.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
const RUN = '20261101-120000-aaaaaa';

let tmp: string;
let store: string;
let daemon: Daemon;
let client: DaemonClient;

beforeEach(async () => {
  tmp = makeTempDir('edits');
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
  const runs = await (await StoreReader.open(store)).listRuns();
  return runs.find((r) => r.id === id);
}

describe('renaming and tagging runs', () => {
  it('renames and tags through events that any reader folds, and removes a tag with null', async () => {
    const renamed = await client.updateRun(RUN, { name: '<img src=x onerror=alert(1)>', tags: { best: 'yes', owner: 'ana' } });
    expect(renamed.name).toBe('<img src=x onerror=alert(1)>');
    expect(renamed.tags).toMatchObject({ best: 'yes', owner: 'ana' });
    const untagged = await client.updateRun(RUN, { tags: { owner: null } });
    expect(untagged.tags.owner).toBeUndefined();
    expect(untagged.tags.best).toBe('yes');
    // An independent reader of the store sees the same thing: the change is in the files.
    const fromDisk = await readRun(RUN);
    expect(fromDisk?.name).toBe('<img src=x onerror=alert(1)>');
    expect(fromDisk?.tags).toEqual(untagged.tags);
  });

  it('refuses bad changes with a sentence, and writes nothing', async () => {
    await expect(client.updateRun(RUN, { name: 'a\nb' })).rejects.toThrow(/control characters/);
    await expect(client.updateRun(RUN, { tags: { k: 3 as unknown as string } })).rejects.toThrow(/must be text or null/);
    await expect(client.request(`/runs/${RUN}`, {}, { status: 'finished' }, 'PATCH')).rejects.toThrow(/Only "name", "tags" and "note"/);
    await expect(client.updateRun('20991231-000000-ffffff', { name: 'x' })).rejects.toMatchObject({ status: 404 });
    expect((await readRun(RUN))?.name).toBe('train mlp');
  });
});

describe('deleting runs', () => {
  it('moves the run folder to the trash, whole, and the run leaves the list', async () => {
    await client.deleteRun(RUN);
    expect(existsSync(path.join(store, 'runs', RUN))).toBe(false);
    expect(existsSync(path.join(store, 'trash', RUN, 'meta.json'))).toBe(true);
    expect((await client.runs()).map((r) => r.id)).not.toContain(RUN);
    await expect(client.deleteRun(RUN)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses to delete a running run', async () => {
    const { StoreWriter } = await import('../store/index.js');
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'live', experiment: 'demo', kind: 'cell' });
    writer.appendEvent(id, { type: 'status', status: 'running' });
    await expect(client.deleteRun(id)).rejects.toMatchObject({ status: 409 });
    expect(existsSync(path.join(store, 'runs', id, 'meta.json'))).toBe(true);
  });
});

describe('artifacts', () => {
  it('lists the files under the run artifacts folder and serves their bytes', async () => {
    const dir = path.join(store, 'runs', RUN, 'artifacts');
    mkdirSync(path.join(dir, 'plots', 'a b'), { recursive: true });
    writeFileSync(path.join(dir, 'model.bin'), Buffer.from([0, 1, 2, 255]));
    writeFileSync(path.join(dir, 'plots', 'a b', 'loss%.svg'), '<svg/>');
    writeFileSync(path.join(dir, 'half.tmp-123'), 'in progress');
    const list = await client.artifacts(RUN);
    expect(list.map((a) => a.path)).toEqual(['model.bin', 'plots/a b/loss%.svg']);
    expect(list[0]!.size).toBe(4);
    expect([...(await client.artifact(RUN, 'model.bin'))]).toEqual([0, 1, 2, 255]);
    expect((await client.artifact(RUN, 'plots/a b/loss%.svg')).toString()).toBe('<svg/>');
  });

  it('never reads outside the run: dot segments, links and missing files are refused', async () => {
    const dir = path.join(store, 'runs', RUN, 'artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
    symlinkSync(path.join(tmp, 'secret.txt'), path.join(dir, 'link.txt'));
    // Encoded separators reach the route as one parameter: the name check refuses the dot segments.
    await expect(client.request(`/runs/${RUN}/artifacts/a%2F..%2F..%2Fmeta.json`)).rejects.toMatchObject({ status: 400 });
    await expect(client.artifact(RUN, '../meta.json')).rejects.toMatchObject({ status: 404 });
    await expect(client.artifact(RUN, 'link.txt')).rejects.toMatchObject({ status: 404 });
    await expect(client.artifact(RUN, 'nope.txt')).rejects.toMatchObject({ status: 404 });
    expect((await client.artifacts(RUN)).map((a) => a.path)).toEqual([]);
    expect(await client.artifacts('20261101-130000-bbbbbb')).toEqual([]);
  });
});

describe('re-running', () => {
  it('refuses runs that are not started jobs', async () => {
    await expect(client.rerun(RUN)).rejects.toMatchObject({ status: 409 });
    await expect(client.rerun('20991231-000000-ffffff')).rejects.toMatchObject({ status: 404 });
  });
});
