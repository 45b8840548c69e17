// The clock set back while the daemon records a job (NTP, a restored VM): the daemon's writer gets a
// `finished` whose wall time is before the job's `running`. The run must still read as finished, not
// as running forever (readers order events by `t`). The clock is the writer's `t` argument, the seam
// every status goes through; the machine's clock is not touched.
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreReader, StoreWriter } from '../../shared/core/src/index.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { faultRow } from './faultRow.js';

describe('the clock set back during a job the daemon records', () => {
  const tmp = makeTempDir('fault-clock');
  afterAll(() => removeTempDir(tmp));

  it('keeps the statuses in the order they were written', async () => {
    const row = faultRow({ fault: 'the clock set back 1 h during a job (daemon)', load: 'queued, running, then finished an hour "earlier"', checked: 'the run reads as finished' });
    const store = path.join(tmp, 'store');
    const writer = await StoreWriter.open(store);
    const id = await writer.createRun({ name: 'job', experiment: 'e', kind: 'job' });
    const now = Date.now() / 1000;
    writer.appendEvent(id, { type: 'status', status: 'queued' }, now);
    writer.appendEvent(id, { type: 'status', status: 'running' }, now + 1);
    writer.appendEvent(id, { type: 'status', status: 'finished' }, now + 2 - 3600);
    const run = await (await StoreReader.open(store, () => {})).readRun(id);
    expect(run.status).toBe('finished');
    row.pass({ lost: 0 });
  });
});
