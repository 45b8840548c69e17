// The one way this package talks HTTP to the daemon: a token-bearing request to 127.0.0.1, and the
// health probe that tells a live daemon from a stale runtime file.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { API_PREFIX, type RuntimeInfo } from '@runlane/protocol';

export class DaemonError extends Error {
  constructor(
    message: string,
    /** The HTTP status the daemon answered with; 0 when it could not be reached. */
    readonly status = 0,
  ) {
    super(message);
  }
}

/** Sends one request (GET, or POST with a JSON body) and resolves with the response, body unread. */
export function send(
  info: RuntimeInfo,
  pathAndQuery: string,
  headers: Record<string, string> = {},
  body?: unknown,
  signal?: AbortSignal,
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE',
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: info.port,
        path: pathAndQuery,
        method: method ?? (payload ? 'POST' : 'GET'),
        signal,
        // No pooled keep-alive sockets: after a daemon restart a pooled socket fails with a reset that
        // cannot be told from a request the daemon did receive; a loopback connect costs ~0.1 ms.
        agent: false,
        headers: {
          authorization: `Bearer ${info.token}`,
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...headers,
        },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export async function readBody(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Whether a Runlane daemon answers at the runtime file's port with its token. A live pid alone
 * proves nothing: after a crash or reboot the pid may belong to an unrelated process.
 */
export async function daemonAnswers(info: RuntimeInfo, timeoutMs = 2_000): Promise<boolean> {
  try {
    // The abort also ends a probe of a port that accepts connections but never answers.
    const res = await send(info, `${API_PREFIX}/health`, {}, undefined, AbortSignal.timeout(timeoutMs));
    await readBody(res);
    return res.statusCode === 200;
  } catch {
    return false;
  }
}

/** A connection that never reached a daemon (nothing listens on the port): safe to retry elsewhere. */
export function isUnreachable(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED';
}
