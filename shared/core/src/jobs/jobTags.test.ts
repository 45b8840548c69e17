// A job may be created with its tags (a sweep's trials: their sweep and number), so its run is tagged
// from its first event: no PATCH after the submit, and no reader ever lists the trial ungrouped.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { StoreReader, StoreWriter } from '../store/index.js';
import { createJobRun, rerunSpec } from './jobRun.js';
import { parseJobSpec } from './jobSpec.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';

let tmp: string;
beforeEach(() => {
  tmp = makeTempDir('jobtags');
});
afterEach(() => removeTempDir(tmp));

const job = { target: 'local', command: ['python', 'train.py'] };

it('creates the run with the tags the job was sent, and a re-run of it without them', async () => {
  const store = path.join(tmp, '.runlane');
  const spec = parseJobSpec({ ...job, tags: { 'runlane.sweep': '20261130-120000-abcdef', 'runlane.sweep.trial': '3' } });
  const { runId } = await createJobRun(await StoreWriter.open(store), store, spec, undefined);
  const run = await (await StoreReader.open(store)).readRun(runId);
  expect(run.tags).toEqual({ 'runlane.sweep': '20261130-120000-abcdef', 'runlane.sweep.trial': '3' });
  // The spec the job started with (job.json, as the manager writes it), tags and all: a re-run drops them.
  writeFileSync(path.join(store, 'runs', runId, 'job.json'), JSON.stringify({ spec }));
  expect(rerunSpec(store, runId).command).toEqual(job.command);
  expect(rerunSpec(store, runId).tags).toBeUndefined();
});

it('refuses tags that are not text, with a sentence naming the tag', () => {
  expect(() => parseJobSpec({ ...job, tags: ['a'] })).toThrow('tags must be an object of tag to text');
  expect(() => parseJobSpec({ ...job, tags: { trial: 3 } })).toThrow('tags.trial must be text, not 3.');
});
