// The sweep that finds edits of finished runs by stat, on real folders: a run edited lately is
// checked every sweep, an old one every 8th; a new writer's events file and an append both count.
import { appendFileSync, copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ageFolder, appendPoint, writeBigStore } from '../../../../test/helpers/bigStore.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { dirsPrint } from '../store/runScan.js';
import { EditSweep } from './editSweep.js';

let tmp: string;
let runs: string;

beforeEach(() => {
  tmp = makeTempDir('sweep');
  runs = path.join(tmp, 'store', 'runs');
});
afterEach(() => removeTempDir(tmp));

describe('EditSweep', () => {
  it('reports appends and new writers at once for recent runs, and within 8 sweeps for old ones', async () => {
    const { finished, writer } = writeBigStore(path.join(tmp, 'store'), { finished: 3, running: 0 });
    const [recent, old, untouched] = finished as [string, string, string];
    const dayAgo = new Date(Date.now() - 86_400_000);
    for (const id of [old, untouched]) ageFolder(path.join(runs, id), dayAgo); // last changed a day ago
    const seen: string[] = [];
    const sweep = new EditSweep(runs, (files) => seen.push(...files));
    const start = Date.now() + 5_000; // written "before" the start: nothing to report on the first sweep
    for (const id of finished) sweep.add(id, start);
    const once = (): Promise<void> => sweep.sweep(finished, () => false);
    await once();
    expect(seen).toEqual([]);

    const appended = path.join(runs, recent, 'events', `${writer(recent)}.jsonl`);
    appendFileSync(appended, `${JSON.stringify({ t: 2e9, type: 'tags', tags: { a: 'b' } })}\n`);
    const newWriter = path.join(runs, old, 'events', '99-0000cafe.jsonl');
    writeFileSync(newWriter, `${JSON.stringify({ t: 2e9, type: 'name', name: 'x' })}\n`);
    utimesSync(newWriter, dayAgo, dayAgo); // an old-looking file (a clock behind ours), in an old run
    utimesSync(path.join(runs, old, 'events'), dayAgo, new Date(Date.now() - 86_000_000));
    await once();
    expect(seen).toEqual([appended]);
    let sweeps = 1;
    while (!seen.includes(newWriter) && sweeps < 8) {
      await once();
      sweeps++;
    }
    expect(seen).toEqual([appended, newWriter]);
    for (let i = 0; i < 8; i++) await once();
    expect(seen).toEqual([appended, newWriter]); // nothing else changed, nothing else reported
  });

  it("reports points a writer appends to an ended run's metrics, and a late writer's new metric file", async () => {
    const { finished, writer } = writeBigStore(path.join(tmp, 'store'), { finished: 1, running: 0 });
    const [id] = finished as [string];
    const seen: string[] = [];
    const sweep = new EditSweep(runs, (files) => seen.push(...files));
    sweep.add(id, Date.now() + 5_000);
    const once = (): Promise<void> => sweep.sweep(finished, () => false);
    await once();
    expect(seen).toEqual([]);

    const loss = path.join(runs, id, 'metrics', writer(id), 'loss.rlm');
    appendPoint(loss, 1000, 0.5); // the run's own writer flushes once more after the end
    await once();
    expect(seen).toEqual([loss]);
    // rank 1 of a job, whose first flush comes after rank 0 recorded the end: a new folder and file.
    const late = path.join(runs, id, 'metrics', 'r1-4242-0badcafe', 'loss.rlm');
    mkdirSync(path.dirname(late));
    copyFileSync(loss, late);
    await once();
    expect(seen).toEqual([loss, late]);
    await once();
    expect(seen).toEqual([loss, late]);
  });

  it("starts from the run index's two-folder checks: its first round only stats them, a new writer is seen at once", async () => {
    const { finished, writer } = writeBigStore(path.join(tmp, 'store'), { finished: 2, running: 0 });
    const [quiet, edited] = finished as [string, string];
    const seen: string[] = [];
    const sweep = new EditSweep(runs, (files) => seen.push(...files));
    for (const id of finished) {
      ageFolder(path.join(runs, id)); // written a minute ago: the index takes no run changed in its last seconds
      sweep.addChecked(id, dirsPrint(path.join(runs, id))); // as the open found it
    }
    const once = (): Promise<void> => sweep.sweep(finished, () => false);
    // An append by the run's own (gone) writer leaves both folders' prints as they were: the first
    // round, which only stats the folders, cannot see it (a full first round, listing and stat-ing
    // every file as before, reported it here).
    const appended = path.join(runs, quiet, 'events', `${writer(quiet)}.jsonl`);
    appendFileSync(appended, `${JSON.stringify({ t: 2e9, type: 'tags', tags: { a: 'b' } })}\n`);
    // A rename by a writer new to the run adds a file to events/: its folder's print changes.
    writeFileSync(path.join(runs, edited, 'events', '99-0000cafe.jsonl'), `${JSON.stringify({ t: 2e9, type: 'name', name: 'x' })}\n`);
    await once();
    expect(seen).toEqual([path.join(runs, edited)]); // the whole run is read again
    // The second round takes the files' own prints once (changes since the check count), after which
    // appends are followed as for any run.
    await once();
    expect(seen).toEqual([path.join(runs, edited), appended]);
    const loss = path.join(runs, edited, 'metrics', writer(edited), 'loss.rlm');
    appendPoint(loss, 1000, 0.5);
    await once();
    expect(seen).toEqual([path.join(runs, edited), appended, loss]);
  });
});
