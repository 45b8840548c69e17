// The one way the page asks the Jupyter server for anything (jupyterlab-git's requestAPI): through
// ServerConnection.makeRequest, so every request is authenticated as JupyterLab's own are (its token,
// its XSRF cookie), and every failure becomes one sentence that says what to do.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** A request under the Jupyter server's base URL; resolves only with an OK response. */
export type ServerRequest = (url: string, init?: RequestInit) => Promise<Response>;

/** A failed request: `status` is the HTTP status, 0 when the server could not be reached. */
export class ServerRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ServerRequestError';
  }
}

export function serverRequest(settings: ServerConnection.ISettings): ServerRequest {
  return async (url, init = {}) => {
    let res: Response;
    try {
      res = await ServerConnection.makeRequest(url, init, settings);
    } catch (err) {
      throw new ServerRequestError(`Runlane could not reach the Jupyter server (${(err as Error).message}); check that it still runs, then reload the page.`, 0);
    }
    if (!res.ok) throw new ServerRequestError(await failure(res), res.status);
    return res;
  };
}

/** The URL of a Runlane route of the server extension, e.g. `runlaneUrl(settings, 'api', 'v1', 'targets')`. */
export function runlaneUrl(settings: ServerConnection.ISettings, ...parts: string[]): string {
  return URLExt.join(settings.baseUrl, 'runlane', ...parts);
}

/** The sentence for a failed answer: the daemon's or the server's own when it gave one. */
async function failure(res: Response): Promise<string> {
  // The daemon and Runlane's handlers answer {error} with a sentence for the user; Jupyter's own
  // errors answer {message}, which for a refused login is only "Forbidden".
  const body = (await res.json().catch(() => null)) as { error?: unknown; message?: unknown } | null;
  if (typeof body?.error === 'string' && body.error) return body.error;
  if (res.status === 403) return 'The Jupyter server refused the request (403): the login may have expired; reload the page and log in again.';
  if (res.status === 404) return 'The Jupyter server has no Runlane extension (404); install runlane-jupyterlab in its environment, then restart JupyterLab.';
  if (typeof body?.message === 'string' && body.message) return body.message;
  return `The Jupyter server answered ${res.status} (${res.statusText || 'no reason given'}); its log says why.`;
}
