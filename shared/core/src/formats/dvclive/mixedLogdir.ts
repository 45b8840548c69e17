// A log directory as the daemon and the CLI read it: TensorBoard's event-file runs and the DVCLive
// folders inside it, side by side (a project with a `dvclive/` folder opens as one log directory).
// An id both readers find (a folder holding event files that also looks like a DVCLive folder) is
// TensorBoard's.
import type { HistogramSeries, MediaItem, MetricSeries, RunSummary } from '@runlane/protocol';
import { listLogdir, TensorBoardLogdir, type LogdirOptions, type LogdirPoints } from '../tfevents/index.js';
import type { Warn } from '../../store/fileTail.js';
import type { MediaSource } from '../../store/media.js';
import { LogdirMedia } from '../tfevents/media.js';
import type { SeriesOptions } from '../../store/series.js';
import { DvcliveDir, type DvcliveDirOptions } from './dvcliveDir.js';

/** What the daemon's log-directory index and the CLI need from a folder of other tools' runs. */
export interface LogdirReader {
  readonly dir: string;
  refresh(): Promise<LogdirPoints[]>;
  runs(now?: number): RunSummary[];
  summary(id: string, now?: number): RunSummary | null;
  readSeries(id: string, key: string, options?: SeriesOptions): MetricSeries;
  /** Runs that restarted in place since the last call (their old points are gone). */
  takeRestarts?(): string[];
  /** The runs' images, texts and histograms (docs/api: media.ts). */
  readonly mediaSource?: MediaSource;
}

export class MixedLogdir implements LogdirReader {
  readonly tensorboard: TensorBoardLogdir | null;
  readonly dvclive: DvcliveDir;
  readonly mediaSource: MediaSource;

  /** `dvcliveOnly`: DIR is one DVCLive folder (--dvclive, ?dvclive=), no event files looked for. */
  constructor(dir: string, warn?: Warn, options: LogdirOptions & DvcliveDirOptions = {}, dvcliveOnly = false) {
    this.tensorboard = dvcliveOnly ? null : new TensorBoardLogdir(dir, warn, options);
    this.dvclive = new DvcliveDir(dir, { root: dvcliveOnly || options.root });
    this.mediaSource = eitherMedia(new LogdirMedia(this.tensorboard), this.dvclive, (id) => !this.tensorboard?.summary(id) && this.dvclive.summary(id) !== null);
  }

  get dir(): string {
    return this.dvclive.dir;
  }

  async refresh(): Promise<LogdirPoints[]> {
    // One walk of the folders per poll, shared: each reader walking its own read every folder twice.
    const listing = this.tensorboard ? await listLogdir(this.tensorboard.dir) : undefined;
    const tb = this.tensorboard ? await this.tensorboard.refresh(listing) : [];
    const dvc = await this.dvclive.refresh(listing);
    return [...tb, ...dvc.filter((p) => !this.tensorboard?.summary(p.runId))];
  }

  runs(now = Date.now() / 1000): RunSummary[] {
    const tb = this.tensorboard?.runs(now) ?? [];
    const ids = new Set(tb.map((r) => r.id));
    return [...tb, ...this.dvclive.runs(now).filter((r) => !ids.has(r.id))].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  summary(id: string, now = Date.now() / 1000): RunSummary | null {
    return this.tensorboard?.summary(id, now) ?? this.dvclive.summary(id, now);
  }

  readSeries(id: string, key: string, options: SeriesOptions = {}): MetricSeries {
    if (this.tensorboard && (this.tensorboard.summary(id) || !this.dvclive.summary(id))) return this.tensorboard.readSeries(id, key, options);
    return this.dvclive.readSeries(id, key, options); // throws not_found for an unknown run
  }

  takeRestarts(): string[] {
    return this.dvclive.takeRestarts();
  }
}

/** The media of DVCLive's runs from its reader (`isDvclive`), of the others from TensorBoard's. */
function eitherMedia(tensorboard: MediaSource, dvclive: MediaSource, isDvclive: (id: string) => boolean): MediaSource {
  const of = (id: string) => (isDvclive(id) ? dvclive : tensorboard);
  return {
    media: (id: string, key?: string): Promise<MediaItem[]> => of(id).media(id, key),
    mediaBytes: (id: string, ref: string) => of(id).mediaBytes(id, ref),
    histograms: (id: string, key: string): Promise<HistogramSeries> => of(id).histograms(id, key),
    mediaKeys: (id: string) => of(id).mediaKeys(id),
    // Both readers' new items (the log directory's feed asks every poll).
    news: async () => [...((await tensorboard.news?.()) ?? []), ...((await dvclive.news?.()) ?? [])],
  };
}
