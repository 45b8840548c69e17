// The sweep that finds edits of finished runs by stat, on real folders: a run edited lately is
// checked every sweep, an old one every 8th; a new writer's events file and an append both count.
import { appendFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBigStore } from '../../../../test/helpers/bigStore.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
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
    for (const id of [old, untouched]) {
      utimesSync(path.join(runs, id, 'events', `${writer(id)}.jsonl`), dayAgo, dayAgo);
      utimesSync(path.join(runs, id, 'events'), dayAgo, dayAgo);
    }
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
});
