// Images, texts and histograms of a run, as they cross the wire (HTTP API v1, CLI JSON, the host
// bridge, the SSE feed). Every run source serves the same shapes: an embedded store (logged with
// `rl.log_image / log_text / log_histogram`, docs/store-format.md "Media"), a TensorBoard log folder
// (Summary.Image, the text plugin, HistogramProto and the tensor form) and a DVCLive folder.
//
//   GET /api/v1/runs/:id/media?key=KEY          -> MediaItem[] (images and texts; every key when absent),
//                                                  ordered by key, then step, then the order logged
//   GET /api/v1/runs/:id/media/<ref>            -> the item's bytes (ref URL-encoded as one segment),
//                                                  Content-Type = the item's mime, and
//                                                  X-Content-Type-Options: nosniff (never rendered as HTML)
//   GET /api/v1/runs/:id/histograms/:key?rank   -> HistogramSeries (key URL-encoded), steps in order;
//                                                  rank = one job worker's, absent or 0 = primary writers'
//
// A run's keys are in its RunDetail (`media_keys`, `histogram_keys`), absent from sources that have
// none and from older daemons. New items arrive on the feed as `media` and `histograms` events.
import type { RunRef } from './runs.js';

/** 'image': PNG, JPEG, GIF or WebP bytes; 'text': UTF-8 text (shown as text, never as HTML). */
export type MediaKind = 'image' | 'text';

/** One logged image or text, at one step. */
export interface MediaItem {
  key: string;
  step: number;
  /** Unix seconds when it was logged. */
  wall_time: number;
  kind: MediaKind;
  caption: string | null;
  /** e.g. image/png, image/jpeg, text/plain; charset=utf-8; null when the source did not say. */
  mime: string | null;
  /** Pixels, for images whose size is known; null otherwise (and for texts). */
  width: number | null;
  height: number | null;
  /** Bytes of the item (the encoded image, the UTF-8 text). */
  size: number;
  /**
   * Opaque handle for the item's bytes (readMedia, GET .../media/<ref>); stable for the life of the
   * run's files. Never parse it: each source makes its own.
   */
  ref: string;
  /** A text item's whole text when it is at most TEXT_INLINE_MAX bytes (longer ones: readMedia). */
  text?: string;
}

/** Texts up to this many UTF-8 bytes travel inside their MediaItem. */
export const TEXT_INLINE_MAX = 16 * 1024;

/**
 * One histogram at one step, as buckets: `edges` has one more entry than `counts`, bucket i covers
 * [edges[i], edges[i+1]) (the last one includes its right edge). Non-finite values are not counted.
 */
export interface HistogramStep {
  step: number;
  wall_time: number;
  edges: number[];
  counts: number[];
  /** The number of values (the sum of `counts`). */
  count: number;
  /** Over the values; null when there were none. */
  min: number | null;
  max: number | null;
  sum: number;
}

/** Every step of one histogram key of one run. */
export interface HistogramSeries {
  run: string;
  key: string;
  steps: HistogramStep[];
}

/** The buckets a histogram gets from `rl.log_histogram(values)` when the caller gives none (as TensorBoard). */
export const DEFAULT_HISTOGRAM_BUCKETS = 30;

/** Feed events about media (part of StoreEvent): what arrived since the last event, in order. */
export type MediaEvent =
  | { type: 'media'; store: string; run_id: string; items: MediaItem[] }
  | { type: 'histograms'; store: string; run_id: string; key: string; steps: HistogramStep[]; /** A worker's above rank 0; absent: the primary writers'. */ rank?: number };

/** The bridge methods the media cards call; optional on HostBridge, so that a host may lack them. */
export interface MediaBridge {
  /** The run's images and texts (of one key when given). */
  listMedia?(run: RunRef, key?: string): Promise<MediaItem[]>;
  /** One item's bytes, by its `ref`. */
  readMedia?(run: RunRef, ref: string): Promise<Uint8Array>;
  /** `rank`: one job worker's histograms (RunDetail.histogram_ranks); absent or 0: the primary writers'. */
  getHistograms?(run: RunRef, key: string, rank?: number): Promise<HistogramSeries>;
}
