// Images, histograms and text of TensorBoard event files (tensorboardX, the tensor form TF2 writes, and
// PyTorch's own SummaryWriter on CPU and CUDA tensors with a matplotlib figure) read as TensorBoard's own
// loader reads them: test/fixtures/tfevents/{media,pytorch-media}/expected.json, written by
// make_media_fixtures.py and make_torch_media_fixtures.py from plugin_event_accumulator.EventAccumulator.
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../../../../test/helpers/tempDir.js';
import { TensorBoardLogdir } from './logdir.js';
import { LogdirMedia } from './media.js';
import { mayHoldMedia } from './mediaDecoder.js';
import { readRecords } from './tfrecord.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../test/fixtures/tfevents/media');
const torchFixtures = path.join(fixtures, '..', 'pytorch-media');
type Expected = Record<string, Record<string, { plugin: string; events: unknown[][] }>>;
const expectedIn = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
const expected = expectedIn(fixtures);
// The writers whose histograms are HistogramProto, which TensorBoard's loader turns into float32 rows.
const protoHistogramRuns = new Set(['tbx', 'torch', 'cuda']);

let tmp = '';
afterEach(() => tmp && removeTempDir(tmp));

async function open(dir: string): Promise<{ logdir: TensorBoardLogdir; media: LogdirMedia }> {
  const logdir = new TensorBoardLogdir(dir, () => {});
  await logdir.refresh();
  return { logdir, media: new LogdirMedia(logdir) };
}

describe('TensorBoard media', () => {
  const cases = [fixtures, torchFixtures].flatMap((dir) => Object.entries(expectedIn(dir)).map(([run, tags]) => ({ dir, run, tags })));
  for (const { dir, run, tags } of cases) {
    it(`reads ${run}'s images, histograms and text as TensorBoard's loader does`, async () => {
      const { media } = await open(dir);
      const items = await media.media(run);
      const keys = await media.mediaKeys(run);
      for (const [tag, { plugin, events }] of Object.entries(tags)) {
        if (plugin === 'images') {
          const mine = items.filter((i) => i.key === tag);
          const got = await Promise.all(
            mine.map(async (i) => {
              const found = (await media.mediaBytes(run, i.ref))!;
              expect([found.mime, i.mime, found.bytes.length]).toEqual(['image/png', 'image/png', i.size]);
              return [i.step, i.wall_time, i.width, i.height, createHash('sha256').update(found.bytes).digest('hex')];
            }),
          );
          expect(got).toEqual(events);
          expect(keys.media_keys).toContain(tag);
        } else if (plugin === 'text') {
          const mine = items.filter((i) => i.key === tag);
          expect(mine.map((i) => [i.step, i.wall_time, i.text])).toEqual(events);
          expect((await media.mediaBytes(run, mine[0]!.ref))!.bytes.toString()).toBe(mine[0]!.text);
        } else {
          const { steps } = await media.histograms(run, tag);
          // TensorBoard's loader turns HistogramProto into float32 [left, right, count] rows (data_compat).
          const f32 = protoHistogramRuns.has(run) && tag !== 'raw' ? Math.fround : (x: number) => x;
          const rows = steps.map((s) => [s.step, s.wall_time, s.counts.map((c, i) => [f32(s.edges[i]!), f32(s.edges[i + 1]!), c])]);
          expect(rows).toEqual(events);
          expect(keys.histogram_keys).toContain(tag);
        }
      }
    });
  }

  it('keeps the exact min, max, count and sum of a HistogramProto', async () => {
    const { media } = await open(fixtures);
    const [raw] = (await media.histograms('tbx', 'raw')).steps;
    expect(raw).toMatchObject({ step: 2, edges: [0, 1, 2, 3], counts: [1, 2, 3], count: 6, min: 0, max: 3, sum: 9 });
  });

  it('refs that name nothing read as nothing; appended events are read, a torn one later', async () => {
    tmp = makeTempDir('tb-media');
    mkdirSync(path.join(tmp, 'run'));
    const [name] = readdirSync(path.join(fixtures, 'tbx'));
    const source = readFileSync(path.join(fixtures, 'tbx', name!));
    const file = path.join(tmp, 'run', name!);
    copyFileSync(path.join(fixtures, 'tensor_form', readdirSync(path.join(fixtures, 'tensor_form'))[0]!), file);
    const { logdir, media } = await open(tmp);
    const before = (await media.media('run')).length;
    expect(await media.news()).toEqual([]); // what a client has read is not news
    expect(before).toBe(expected.tensor_form!.pics!.events.length + expected.tensor_form!.poem!.events.length);
    for (const ref of ['nope:0:0:0', `${name}:1:0:0`, `../${name}:0:0:0`, `${name}:0:99:0`]) expect(await media.mediaBytes('run', ref)).toBeNull();
    // tbx's records (its file version record first) appended in two parts: the first part's torn record waits.
    appendFileSync(file, source.subarray(0, 5000));
    await logdir.refresh();
    const middle = (await media.media('run')).length;
    appendFileSync(file, source.subarray(5000));
    await logdir.refresh();
    const news = await media.news(); // the feed's events for the daemon (LogdirIndex)
    expect(news.map((n) => [n.id, n.items.length, [...n.histograms.keys()]])).toEqual([['run', expect.any(Number), ['raw', 'weights']]]);
    expect(news[0]!.items.every((i) => i.ref.startsWith(`${name}:`))).toBe(true);
    expect(await media.news()).toEqual([]);
    const after = await media.media('run');
    const tbxItems = Object.values(expected.tbx!).filter((t) => t.plugin !== 'histograms').reduce((n, t) => n + t.events.length, 0);
    expect(middle).toBeLessThan(before + tbxItems);
    expect(after.length).toBe(before + tbxItems);
    expect(await media.media('unknown')).toEqual([]);
  });

  it('passes over scalar records without decoding them, never over a media record', () => {
    const verdicts = (dir: string) =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.includes('tfevents'))
        .flatMap((e) => {
          const buf = readFileSync(path.join(e.parentPath, e.name));
          const out: boolean[] = [];
          readRecords(buf, (start, end) => out.push(mayHoldMedia(buf, start, end)), () => {}, { where: e.name, baseOffset: 0, resyncing: false });
          return out;
        });
    // PyTorch's scalars: simple values, tensors of the scalars plugin (new_style), add_scalars, hparams.
    expect(verdicts(path.join(fixtures, '..', 'pytorch')).filter(Boolean)).toEqual([]);
    const tbx = verdicts(path.join(fixtures, 'tbx'));
    const mediaEvents = Object.values(expected.tbx!).reduce((n, t) => n + t.events.length, 0);
    expect(tbx.filter(Boolean).length).toBe(mediaEvents);
    // PyTorch's SummaryWriter: one record per image, figure, histogram or text event.
    const torch = expectedIn(torchFixtures).torch!;
    expect(verdicts(path.join(torchFixtures, 'torch')).filter(Boolean).length).toBe(Object.values(torch).reduce((n, t) => n + t.events.length, 0));
  });
});
