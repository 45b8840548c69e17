// How the page reaches the daemon: only through the Jupyter server (runlane_jupyterlab's handlers at
// <base_url>/runlane), authenticated as every JupyterLab request is. The daemon's token never reaches
// the page. Every request goes through one function (./request).
import { ServerConnection } from '@jupyterlab/services';
import { HttpHostBridge } from '@runlane/ui';
import type { TargetInfo } from '@runlane/protocol';
import type { DeclaredStore } from '@runlane/ui';
import { runlaneUrl, serverRequest, ServerRequestError, type ServerRequest } from './request';
import { SourcesBridge } from './sources';

export interface RunlaneConfig {
  /** The store the page shows by default (absolute path): the server's, or the store setting's. */
  store: string;
  /** The Jupyter server's root folder: runs carry absolute notebook paths, the page relative ones. */
  root_dir: string;
}

export class RunlaneConnection {
  private constructor(
    readonly config: RunlaneConfig,
    readonly bridge: SourcesBridge,
    private readonly settings: ServerConnection.ISettings,
    private readonly request: ServerRequest,
  ) {}

  static async open(settings = ServerConnection.makeSettings()): Promise<RunlaneConnection> {
    const request = serverRequest(settings);
    const config = await RunlaneConnection.json<RunlaneConfig>(request, runlaneUrl(settings, 'config'));
    // The feed (an EventSource, which sends no headers and so cannot go through the request
    // function) authenticates with the page's cookie, or the token when there is one.
    const query: Record<string, string> = settings.token ? { token: settings.token } : {};
    const feed = `${runlaneUrl(settings, 'api', 'v1', 'events')}?${new URLSearchParams({ ...query, all: '1' })}`;
    const bridge = new SourcesBridge((source) => new HttpHostBridge(runlaneUrl(settings), [source], undefined, query, request), feed);
    return new RunlaneConnection(config, bridge, settings, request);
  }

  private static async json<T>(request: ServerRequest, url: string): Promise<T> {
    return (await (await request(url)).json()) as T;
  }

  /** The default store (the one new targets and runs without a notebook refer to). */
  get source(): string {
    return this.config.store;
  }

  /** A folder the user typed: relative to the server's root, or absolute; no trailing slash. */
  resolve(folder: string): string {
    const chosen = folder.trim().replace(/(.)\/+$/, '$1');
    return chosen.startsWith('/') ? chosen : `${this.config.root_dir.replace(/\/$/, '')}/${chosen.replace(/^\.\//, '')}`;
  }

  /** How a folder is named to the user: relative to the server's root when under it. */
  label(folder: string): string {
    return this.relativePath(folder) ?? folder;
  }

  /** The store a notebook's kernel writes to (the helper's rule, answered by the server). */
  async notebookStore(relative: string): Promise<{ store: string; exists: boolean }> {
    return RunlaneConnection.json(this.request, `${runlaneUrl(this.settings, 'notebook-store')}?notebook=${encodeURIComponent(relative)}`);
  }

  /** What a folder is (contract C4); null when the daemon cannot say (an older daemon). */
  async inspect(folder: string): Promise<{ path: string; kind: 'store' | 'tensorboard' | 'empty' | 'missing' | 'other'; detail: string } | null> {
    const url = `${runlaneUrl(this.settings, 'api', 'v1', 'sources', 'inspect')}?path=${encodeURIComponent(folder)}`;
    try {
      return await RunlaneConnection.json(this.request, url);
    } catch (err) {
      if (err instanceof ServerRequestError && err.status === 404) return null;
      throw err;
    }
  }

  /** The notebook's absolute path as the kernel helper records it. */
  absolutePath(relative: string): string {
    return `${this.config.root_dir.replace(/\/$/, '')}/${relative}`;
  }

  /** The page's path of a notebook the run names, or null when it is outside the server's root. */
  relativePath(absolute: string): string | null {
    const root = `${this.config.root_dir.replace(/\/$/, '')}/`;
    return absolute.startsWith(root) ? absolute.slice(root.length) : null;
  }

  /** The team stores runlane.toml declares beside `store` (contract M3); none from a daemon without the route. */
  async declaredStores(store = this.config.store): Promise<DeclaredStore[]> {
    try {
      return await RunlaneConnection.json(this.request, `${runlaneUrl(this.settings, 'api', 'v1', 'stores')}?store=${encodeURIComponent(store)}`);
    } catch (err) {
      if (err instanceof ServerRequestError && err.status === 404) return [];
      throw err;
    }
  }

  /** The targets of the runlane.toml beside `store` (a notebook's own store, else the default one). */
  async targets(store = this.config.store): Promise<TargetInfo[]> {
    return RunlaneConnection.json(this.request, `${runlaneUrl(this.settings, 'api', 'v1', 'targets')}?store=${encodeURIComponent(store)}`);
  }
}

