// The media reader against the shared vectors (test/fixtures/media-vectors.json, also read by the
// Python tests), and its live tail.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { histogramsOfRank, MediaTail, readMediaBytes, readRunMedia, runMediaKeys } from './media.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');
interface MediaVectors {
  run: {
    writers: Record<string, { 'index.jsonl': string; files: Record<string, string> }>;
    expected_items: unknown[];
    expected_histograms: Record<string, unknown[]>;
    expected_bytes: Record<string, string>;
    missing_refs: string[];
  };
}
const vectors = JSON.parse(readFileSync(path.join(fixtures, 'media-vectors.json'), 'utf8')) as MediaVectors;

let dir = '';
afterEach(() => removeTempDir(dir));

function writeVectorRun(runDir: string): void {
  for (const [writer, content] of Object.entries(vectors.run.writers)) {
    const folder = path.join(runDir, 'media', writer);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'index.jsonl'), content['index.jsonl']);
    for (const [name, b64] of Object.entries(content.files)) writeFileSync(path.join(folder, name), Buffer.from(b64, 'base64'));
  }
}

describe('media reader', () => {
  it('lists what the shared vectors expect, and serves only the refs the index names', async () => {
    dir = makeTempDir('media');
    writeVectorRun(dir);
    const { items, histograms } = await readRunMedia(dir);
    expect(items).toEqual(vectors.run.expected_items);
    expect(Object.fromEntries(histograms)).toEqual(vectors.run.expected_histograms);
    for (const [ref, b64] of Object.entries(vectors.run.expected_bytes)) {
      expect((await readMediaBytes(dir, ref))?.bytes.toString('base64')).toBe(b64);
    }
    expect((await readMediaBytes(dir, '1234-aaaaaaaa/0'))?.mime).toBe('image/png');
    for (const ref of vectors.run.missing_refs) expect(await readMediaBytes(dir, ref)).toBeNull();
    // The r1- writer's histogram is rank 1's, kept apart from the run's (rank 0's) and offered as a rank.
    expect(await runMediaKeys(dir)).toEqual({ media_keys: ['a/b c', 'notes', 'samples'], histogram_keys: ['w'], histogram_ranks: [0, 1] });
    expect(histogramsOfRank(await readRunMedia(dir), 1).get('w')!.map((s) => [s.step, s.counts])).toEqual([[3, [9]]]);
  });

  it('an old run without media lists nothing', async () => {
    dir = makeTempDir('media');
    expect(await readRunMedia(dir)).toEqual({ items: [], histograms: new Map() });
  });

  it('the live tail reports each complete line once, a torn one when it is finished', async () => {
    dir = makeTempDir('media');
    const folder = path.join(dir, 'media', 'w1');
    mkdirSync(folder, { recursive: true });
    const index = path.join(folder, 'index.jsonl');
    writeFileSync(index, '{"t":1,"kind":"text","key":"a","step":0,"text":"x"}\n');
    const tail = new MediaTail();
    await tail.skip(index);
    appendFileSync(index, '{"t":2,"kind":"histogram","key":"h","step":1,"edges":[0,1],"counts":[3]}\n{"t":3,"kind":"text","key":"a","step":2,');
    const first = await tail.read(index);
    expect(first.items).toEqual([]);
    expect([...first.histograms.keys()]).toEqual(['h']);
    appendFileSync(index, '"text":"y"}\n');
    const second = await tail.read(index);
    expect(second.items.map((i) => [i.step, i.text, i.ref])).toEqual([[2, 'y', 'w1/2']]);
    expect((await tail.read(index)).items).toEqual([]);
  });
});
