// The media routes of the HTTP API (shared/protocol/src/media.ts): a run's images and texts, their
// bytes, and its histograms, from whichever source the request names. A source that has none (an
// MLflow server, for now) answers empty lists, as a run without media does.
import type { RunDetail } from '@runlane/protocol';
import { storeMediaSource, type MediaSource } from '../store/media.js';
import { StoreError } from '../store/names.js';
import type { RunSource } from './runSource.js';
// Types only: routes.ts spreads mediaRoutes into its table, so a value import back would be a cycle.
import type { RouteContext } from './routes.js';

/** A log directory's media, when its source has them (LogdirIndex.mediaSource). */
function logdirMedia(source: RunSource): MediaSource | null {
  return (source as { mediaSource?: MediaSource | null }).mediaSource ?? null;
}

/** The media of the request's source, after checking the run exists (a 404 names it otherwise). */
async function mediaOf(ctx: RouteContext, id: string): Promise<MediaSource | null> {
  const source = await ctx.source();
  await source.detail(id);
  if (ctx.url.searchParams.has('mlflow')) return null;
  if (ctx.url.searchParams.has('logdir')) return logdirMedia(source);
  return storeMediaSource(ctx.storeDir);
}

/** RunDetail with its media and histogram keys, when it has any (the fields stay absent otherwise). */
export async function withMediaKeys(ctx: RouteContext, detail: RunDetail): Promise<RunDetail> {
  const q = ctx.url.searchParams;
  const media = q.has('mlflow') ? null : q.has('logdir') ? logdirMedia(await ctx.source()) : storeMediaSource(ctx.storeDir);
  if (!media) return detail;
  const keys = await media.mediaKeys(detail.id);
  return {
    ...detail,
    ...(keys.media_keys.length ? { media_keys: keys.media_keys } : {}),
    ...(keys.histogram_keys.length ? { histogram_keys: keys.histogram_keys } : {}),
    ...(keys.histogram_ranks ? { histogram_ranks: keys.histogram_ranks } : {}),
  };
}

/** `?rank=N` of a histograms request: a job worker's rank, 0 or more; undefined when absent. */
function rankParam(ctx: RouteContext, id: string): number | undefined {
  const raw = ctx.url.searchParams.get('rank');
  if (raw === null || raw === '') return undefined;
  const rank = Number(raw);
  if (!Number.isSafeInteger(rank) || rank < 0) {
    throw new StoreError('bad_query', `rank must be a worker rank (0 or more), not "${raw}"; leave it out for the primary writers' histograms.`);
  }
  // Other tools' runs (log directories, DVCLive) have no ranks: another rank must not get rank 0's back.
  if (rank > 0 && (ctx.url.searchParams.has('logdir') || ctx.url.searchParams.has('dvclive') || ctx.url.searchParams.has('mlflow'))) {
    throw new StoreError('not_found', `Run "${id}" has no rank ${rank}: only Runlane jobs keep their workers' histograms apart. Leave rank out.`);
  }
  return rank;
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
      const rank = rankParam(ctx, id);
      return (await (await mediaOf(ctx, id))?.histograms(id, key, rank)) ?? { run: id, key, steps: [] };
    },
  ],
];
