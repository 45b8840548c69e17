// The media routes of the HTTP API (shared/protocol/src/media.ts): a run's images and texts, their
// bytes, and its histograms, from whichever source the request names. A source that has none (an
// MLflow server, for now) answers empty lists, as a run without media does.
import * as path from 'node:path';
import type { HistogramSeries, MediaItem, RunDetail } from '@runlane/protocol';
import { readMediaBytes, readRunMedia, runMediaKeys } from '../store/media.js';
import { StoreError, validateRunId } from '../store/names.js';
import type { RunSource } from './runSource.js';
// Types only: routes.ts spreads mediaRoutes into its table, so a value import back would be a cycle.
import type { RouteContext } from './routes.js';

/** What a run source offers about media; a source without these methods has none. */
export interface MediaSource {
  media(id: string, key?: string): Promise<MediaItem[]>;
  /** null when the ref names nothing in that run. */
  mediaBytes(id: string, ref: string): Promise<{ bytes: Buffer; mime: string } | null>;
  histograms(id: string, key: string): Promise<HistogramSeries>;
  mediaKeys(id: string): Promise<{ media_keys: string[]; histogram_keys: string[] }>;
}

function hasMedia(source: RunSource): source is RunSource & MediaSource {
  return typeof (source as Partial<MediaSource>).media === 'function';
}

/** The embedded store's media: read from the run's folder on each request (small indexes). */
function storeMedia(storeDir: string): MediaSource {
  const runDir = (id: string) => path.join(storeDir, 'runs', validateRunId(id));
  return {
    media: async (id, key) => (await readRunMedia(runDir(id))).items.filter((i) => key === undefined || i.key === key),
    mediaBytes: (id, ref) => readMediaBytes(runDir(id), ref),
    histograms: async (id, key) => ({ run: id, key, steps: (await readRunMedia(runDir(id))).histograms.get(key) ?? [] }),
    mediaKeys: (id) => runMediaKeys(runDir(id)),
  };
}

/** The media of the request's source, after checking the run exists (a 404 names it otherwise). */
async function mediaOf(ctx: RouteContext, id: string): Promise<MediaSource | null> {
  const source = await ctx.source();
  await source.detail(id);
  if (ctx.url.searchParams.has('mlflow')) return null;
  if (ctx.url.searchParams.has('logdir')) return hasMedia(source) ? source : null;
  return storeMedia(ctx.storeDir);
}

/** RunDetail with its media and histogram keys, when it has any (the fields stay absent otherwise). */
export async function withMediaKeys(ctx: RouteContext, detail: RunDetail): Promise<RunDetail> {
  const media = ctx.url.searchParams.has('mlflow') ? null : ctx.url.searchParams.has('logdir') ? await ctx.source() : storeMedia(ctx.storeDir);
  if (!media || !hasMediaSource(media)) return detail;
  const keys = await media.mediaKeys(detail.id);
  return {
    ...detail,
    ...(keys.media_keys.length ? { media_keys: keys.media_keys } : {}),
    ...(keys.histogram_keys.length ? { histogram_keys: keys.histogram_keys } : {}),
  };
}

function hasMediaSource(x: RunSource | MediaSource): x is MediaSource {
  return typeof (x as Partial<MediaSource>).mediaKeys === 'function';
}

type Handler = (ctx: RouteContext) => Promise<unknown>;

export const mediaRoutes: ['GET', RegExp, Handler][] = [
  [
    'GET',
    /^\/runs\/([^/]+)\/media$/,
    async (ctx) => {
      const id = ctx.params[0]!;
      const key = ctx.url.searchParams.get('key') ?? undefined;
      return (await (await mediaOf(ctx, id))?.media(id, key)) ?? [];
    },
  ],
  [
    'GET',
    /^\/runs\/([^/]+)\/media\/(.+)$/,
    async (ctx) => {
      const [id, ref] = ctx.params as [string, string];
      const found = await (await mediaOf(ctx, id))?.mediaBytes(id, ref);
      if (!found) throw new StoreError('not_found', `Run "${id}" has no media item "${ref}"; list them with GET /runs/${id}/media.`);
      ctx.res.writeHead(200, {
        'content-type': found.mime,
        'content-length': found.bytes.length,
        // Served as the type the source gave, never sniffed into HTML or script; never run as a page.
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        // A ref names the same bytes for the life of the run's files.
        'cache-control': 'private, max-age=86400',
      });
      ctx.res.end(found.bytes);
      return undefined;
    },
  ],
  [
    'GET',
    /^\/runs\/([^/]+)\/histograms\/(.+)$/,
    async (ctx) => {
      const [id, key] = ctx.params as [string, string];
      return (await (await mediaOf(ctx, id))?.histograms(id, key)) ?? { run: id, key, steps: [] };
    },
  ],
];
