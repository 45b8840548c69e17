// tfevents media parsing: MB/s of Runlane's reader of images and histograms (CRC-checked, every record
// decoded, each image's place kept) on an event file full of images, beside TensorBoard's own loader
// (plugin_event_accumulator.EventAccumulator keeping every image and histogram) on the same file in
// the same run. Target (issue 17): >= 100 MB/s. Ours is the median of 3 cold reads.
// The file is written like tensorboardX's add_image / add_histogram (Summary.Image with PNG-signed
// bytes, HistogramProto with 30 buckets), TFEVENTS_MEDIA_MB of it (default 50: the Python loader takes about 20 s for it).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { maskedCrc32c } from '../../shared/core/dist/formats/tfevents/index.js';
import { TensorBoardMedia } from '../../shared/core/dist/formats/tfevents/media.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const TARGET_MB = Number(process.env.TFEVENTS_MEDIA_MB ?? 50);
const IMAGE_BYTES = 24_000; // a 64x64 RGB sample as PNG, about
const TAGS = ['samples/input', 'samples/output', 'attention/head0', 'attention/head1'];

function varint(n) {
  const out = [];
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 128) return Buffer.from([...out, v]);
    out.push((v % 128) | 0x80);
  }
}
const field = (number, body) => Buffer.concat([varint(number * 8 + 2), varint(body.length), body]);
const doubleField = (number, v) => {
  const b = Buffer.alloc(9);
  b[0] = number * 8 + 1;
  b.writeDoubleLE(v, 1);
  return b;
};

function frame(data) {
  const len = Buffer.alloc(12);
  len.writeUInt32LE(data.length, 0);
  len.writeUInt32LE(maskedCrc32c(len, 0, 8), 8);
  const foot = Buffer.alloc(4);
  foot.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([len, data, foot]);
}

function event(step, value) {
  return frame(Buffer.concat([doubleField(1, 1.7e9 + step), Buffer.from([0x10]), varint(step), field(5, field(1, value))]));
}

function imageValue(tag, step) {
  const png = Buffer.alloc(IMAGE_BYTES, step % 251);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(png);
  const image = Buffer.concat([Buffer.from([0x08]), varint(64), Buffer.from([0x10]), varint(64), Buffer.from([0x18, 3]), field(4, png)]);
  return Buffer.concat([field(1, Buffer.from(tag)), field(4, image)]);
}

function histogramValue(tag, step) {
  const limits = Buffer.alloc(30 * 8);
  const counts = Buffer.alloc(30 * 8);
  for (let i = 0; i < 30; i++) {
    limits.writeDoubleLE(-3 + (i + 1) * 0.2, i * 8);
    counts.writeDoubleLE(Math.round(1000 * Math.exp(-(((i - 15) / 5) ** 2))) + (step % 7), i * 8);
  }
  const histo = Buffer.concat([doubleField(1, -3), doubleField(2, 3), doubleField(3, 1e4), doubleField(4, 0), doubleField(5, 1e4), field(6, limits), field(7, counts)]);
  return Buffer.concat([field(1, Buffer.from(tag)), field(5, histo)]);
}

function writeFile(dir) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'events.out.tfevents.1700000000.bench.1.0');
  const fd = openSync(file, 'w');
  let bytes = 0;
  let images = 0;
  let histograms = 0;
  try {
    for (let step = 0; bytes < TARGET_MB * 1e6; step++) {
      const batch = TAGS.map((tag) => event(step, imageValue(tag, step)));
      batch.push(event(step, histogramValue('weights', step)));
      images += TAGS.length;
      histograms++;
      const buf = Buffer.concat(batch);
      writeSync(fd, buf);
      bytes += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return { file, images, histograms };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-bench-tfmedia-'));
try {
  const run = path.join(dir, 'run');
  const { file, images, histograms } = writeFile(run);
  const mb = statSync(file).size / 1e6;
  const timings = [];
  let got = null;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const read = await new TensorBoardMedia().read([file]);
    timings.push((performance.now() - t0) / 1000);
    got = { images: read.items.length, histograms: [...read.histograms.values()].reduce((n, s) => n + s.length, 0) };
  }
  const oursS = [...timings].sort((a, b) => a - b)[1];
  const python = path.join(root, '.venv-bench', 'bin', 'python');
  const tb = process.env.TFEVENTS_ONLY_OURS
    ? { seconds: NaN, images: got.images, histograms: got.histograms }
    : JSON.parse(execFileSync(python, [path.join(here, 'tfevents_media_accumulator.py'), run], { encoding: 'utf8', maxBuffer: 1 << 20 }));
  const rows = [
    { reader: 'runlane (TypeScript, CRC-checked)', seconds: +oursS.toFixed(2), 'MB/s': +(mb / oursS).toFixed(0), images: got.images, histograms: got.histograms },
    { reader: 'TensorBoard EventAccumulator (Python, keep all)', seconds: +tb.seconds.toFixed(2), 'MB/s': +(mb / tb.seconds).toFixed(1), images: tb.images, histograms: tb.histograms },
  ];
  console.log(`\nParsing one ${mb.toFixed(0)} MB event file of images (${images} images of ${IMAGE_BYTES / 1000} KB, ${histograms} histograms of 30 buckets)`);
  console.table(rows);
  const same = got.images === images && got.histograms === histograms && tb.images === images && tb.histograms === histograms;
  const pass = mb / oursS >= 100 && same;
  console.log(`same images and histograms read by both: ${same}; ${(tb.seconds / oursS).toFixed(1)}x the Python loader; target >= 100 MB/s: ${pass ? 'PASS' : 'FAIL'}`);
  if (process.env.TFEVENTS_ONLY_OURS) process.exit(0);
  mkdirSync(path.join(here, 'results'), { recursive: true });
  writeFileSync(path.join(here, 'results', 'tfevents_media.json'), JSON.stringify({ mb, images, histograms, same, rows, runlane_seconds_all: timings, pass, date: new Date().toISOString(), node: process.version, note: 'shared, noisy machine; runlane is the median of 3 cold reads' }, null, 1) + '\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
