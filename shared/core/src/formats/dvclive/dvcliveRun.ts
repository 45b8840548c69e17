// One DVCLive folder (`dvclive/`, as `Live(dir)` writes it) read as a Runlane run: the metric TSVs
// under plots/metrics are its series, params.yaml its params, metrics.json the latest values (also
// those logged with plot=False, which have no TSV), plots/images its images. Followed incrementally;
// params.yaml and metrics.json are rewritten in place, not atomically, so an empty or half-written
// one keeps the last good read and is read again on the next refresh.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { jsonNumber, type MetricSummary } from '@runlane/protocol';
import { MetricAccumulator } from '../../store/metricSummary.js';
import { parseYaml } from './yaml.js';
import { TsvTail } from './tsvTail.js';

/** An image DVCLive wrote under plots/images. */
export interface DvcliveImage {
  key: string;
  step: number;
  file: string;
  size: number;
  mtime: number;
}

export const IMAGE_EXTENSIONS = new Map([
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.gif', 'image/gif'],
  ['.webp', 'image/webp'],
]);

/** New points of one key (as the TensorBoard reader's LogdirPoints). */
export interface DvclivePoints {
  runId: string;
  key: string;
  steps: number[];
  times: number[];
  values: number[];
}

export class DvcliveRun {
  readonly series = new Map<string, TsvTail>();
  params: Record<string, unknown> = {};
  /** metrics.json flattened ("train/loss"), the "step" entry apart. */
  latest: Record<string, number> = {};
  latestStep: number | null = null;
  images: DvcliveImage[] = [];
  lastModified = 0;
  /**
   * When the run began, as far as its files tell (Unix seconds; 0: unknown): the folder's creation
   * where the filesystem keeps it, else its oldest file. DVCLive's TSVs carry no times unless asked
   * (`timestamp=True`), and the newest write read as the start made a 3-second run "start" at its end.
   */
  firstModified = 0;
  /** Bumped when the run restarted in its folder (a new `Live()` without resume). */
  generation = 0;

  constructor(
    readonly id: string,
    readonly folder: string,
  ) {}

  /** Reads what changed; returns the new points (a restart returns every point of the new run). */
  async refresh(): Promise<DvclivePoints[]> {
    const out: DvclivePoints[] = [];
    const files = await listFiles(path.join(this.folder, 'plots', 'metrics'), '.tsv');
    let restarted = false;
    for (const rel of files) if (!this.series.has(tsvKey(rel))) this.series.set(tsvKey(rel), new TsvTail(path.join(this.folder, 'plots', 'metrics', rel)));
    const before = new Map([...this.series].map(([k, t]) => [k, t.steps.length]));
    for (const [, tail] of this.series) if ((await tail.read()) === 'restarted') restarted = true;
    if (restarted) {
      this.generation++;
      // The old run's files are gone: its keys that are not back yet are dropped, the others re-read.
      for (const [key, tail] of [...this.series]) if (!tail.steps.length) this.series.delete(key);
    }
    for (const [key, tail] of [...this.series].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const from = restarted ? 0 : (before.get(key) ?? 0);
      if (tail.steps.length > from) out.push({ runId: this.id, key, steps: tail.steps.slice(from), times: tail.times.slice(from), values: tail.values.slice(from) });
    }
    await this.readParams();
    await this.readLatest();
    await this.readImages();
    const written = (await mtimes(this.folder, [...files.map((f) => path.join('plots', 'metrics', f)), 'params.yaml', 'metrics.json'])).filter((t) => t > 0);
    if (written.length) this.lastModified = Math.max(this.lastModified, ...written);
    if (restarted || !this.firstModified) this.firstModified = Math.min(...written, await bornAt(this.folder)) || 0;
    return out;
  }

  /** Each key's count, last, min and max: from its TSV, or metrics.json's value for keys without one. */
  metrics(): Record<string, MetricSummary> {
    const out: Record<string, MetricSummary> = {};
    for (const [key, tail] of this.series) {
      const acc = new MetricAccumulator();
      acc.add(key, 0, { steps: Float64Array.from(tail.steps), times: Float64Array.from(tail.times), values: Float64Array.from(tail.values) });
      const s = acc.summary();
      if (s) out[key] = s;
    }
    for (const [key, value] of Object.entries(this.latest)) {
      if (!(key in out)) out[key] = { count: 1, last: jsonNumber(value), min: Number.isNaN(value) ? null : jsonNumber(value), max: Number.isNaN(value) ? null : jsonNumber(value) };
    }
    return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
  }

  /** The first and last row times of its series that DVCLive wrote (Unix seconds), null when none has any. */
  timeRange(): { first: number | null; last: number | null } {
    let first: number | null = null;
    let last: number | null = null;
    for (const tail of this.series.values()) {
      if (!tail.timed) continue; // read times: when Runlane saw the rows, not when they were logged
      for (const t of tail.times) {
        if (first === null || t < first) first = t;
        if (last === null || t > last) last = t;
      }
    }
    return { first, last };
  }

  private async readParams(): Promise<void> {
    const text = await readText(path.join(this.folder, 'params.yaml'));
    if (text === null) {
      if (this.generation > 0 || !(await exists(this.folder))) this.params = {};
      return;
    }
    if (!text.trim()) return; // being rewritten: keep the last good read
    const parsed = parseYaml(text);
    if (parsed === undefined || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    this.params = flattenParams(parsed as Record<string, unknown>);
  }

  private async readLatest(): Promise<void> {
    const text = await readText(path.join(this.folder, 'metrics.json'));
    if (text === null) {
      this.latest = {};
      this.latestStep = null;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // half-written: read again on the next refresh
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    const flat: Record<string, number> = {};
    flattenNumbers(parsed as Record<string, unknown>, '', flat);
    this.latestStep = typeof flat.step === 'number' ? flat.step : null;
    delete flat.step;
    this.latest = flat;
  }

  /**
   * plots/images/<key>/<step>.<ext> (the per-step pattern DVCLive's docs use) is the image of `key`
   * at `step`; any other file is its own key (its path, as logged) at metrics.json's step.
   */
  private async readImages(): Promise<void> {
    const root = path.join(this.folder, 'plots', 'images');
    const files = (await listFiles(root, null)).filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase()));
    const images: DvcliveImage[] = [];
    for (const rel of files) {
      let stat;
      try {
        stat = await fs.stat(path.join(root, rel));
      } catch {
        continue; // removed meanwhile
      }
      const stem = path.basename(rel, path.extname(rel));
      const dir = path.dirname(rel);
      const perStep = dir !== '.' && /^\d+$/.test(stem);
      images.push({
        key: perStep ? dir : rel,
        step: perStep ? Number(stem) : (this.latestStep ?? 0),
        file: path.join(root, rel),
        size: stat.size,
        mtime: stat.mtimeMs / 1000,
      });
    }
    images.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step));
    this.images = images;
  }
}

/** "train/loss.tsv" -> "train/loss" (DVCLive's metric name). */
function tsvKey(rel: string): string {
  return rel.slice(0, -'.tsv'.length);
}

/** Nested params as "a.b" keys (as `dvc exp show` shows them); lists and scalars stay values. */
export function flattenParams(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)) flattenParams(v as Record<string, unknown>, key, out);
    else if (typeof v === 'number' && !Number.isFinite(v)) out[key] = { $float: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
    else out[key] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

function flattenNumbers(obj: Record<string, unknown>, prefix: string, out: Record<string, number>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}/${k}` : k;
    if (typeof v === 'number') out[key] = v;
    else if (typeof v === 'boolean') out[key] = v ? 1 : 0;
    else if (v && typeof v === 'object' && !Array.isArray(v)) flattenNumbers(v as Record<string, unknown>, key, out);
  }
}

/** Files under `root` (relative, "/"-separated, sorted) ending in `ext` (any when null); [] when it is missing. */
export async function listFiles(root: string, ext: string | null): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string, depth: number): Promise<void> => {
    if (depth > 8) return; // DVCLive nests a name's "/" groups; no real run goes deeper
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path.join(dir, e.name), r, depth + 1);
      else if (e.isFile() && (ext === null || e.name.endsWith(ext))) out.push(r);
    }
  };
  await walk(root, '', 0);
  return out.sort();
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return null;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

/** When a folder was made (Unix seconds), where the filesystem keeps it; Infinity when it does not. */
async function bornAt(folder: string): Promise<number> {
  const born = await fs.stat(folder).then((s) => s.birthtimeMs / 1000, () => 0);
  return born > 0 ? born : Infinity;
}

async function mtimes(folder: string, rels: string[]): Promise<number[]> {
  const out = await Promise.all(rels.map((r) => fs.stat(path.join(folder, r)).then((s) => s.mtimeMs / 1000, () => 0)));
  return out.length ? out : [0];
}
