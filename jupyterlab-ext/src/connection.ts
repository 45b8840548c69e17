// How the page reaches the daemon: only through the Jupyter server (runlane_jupyterlab's handlers at
// <base_url>/runlane), authenticated as every JupyterLab request is. The daemon's token never reaches
// the page.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { HttpHostBridge } from '@runlane/ui';
import type { TargetInfo } from '@runlane/protocol';
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
  ) {}

  /** `storeSetting`: the user's store folder (relative to the server's root, or absolute); empty for the server's. */
  static async open(settings = ServerConnection.makeSettings()): Promise<RunlaneConnection> {
    const base = URLExt.join(settings.baseUrl, 'runlane');
    const res = await ServerConnection.makeRequest(URLExt.join(base, 'config'), {}, settings);
    if (!res.ok) throw new Error(`The Runlane server extension did not answer (${res.status}); is runlane-jupyterlab installed and enabled?`);
    const config = (await res.json()) as RunlaneConfig;
    // Requests carry the XSRF cookie as a header, as JupyterLab's own do; the feed (an EventSource,
    // which sends no headers) authenticates with the page's cookie, or the token when there is one.
    const init = (): RequestInit => ({ headers: xsrfHeaders(), credentials: 'same-origin' });
    const query: Record<string, string> = settings.token ? { token: settings.token } : {};
    const feed = `${base}/api/v1/events?${new URLSearchParams({ ...query, all: '1' })}`;
    const bridge = new SourcesBridge((source) => new HttpHostBridge(base, [source], init, query), feed);
    return new RunlaneConnection(config, bridge, settings);
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
    const url = URLExt.join(this.settings.baseUrl, 'runlane', 'notebook-store') + `?notebook=${encodeURIComponent(relative)}`;
    const res = await ServerConnection.makeRequest(url, {}, this.settings);
    if (!res.ok) throw new Error(`Runlane could not find the store of ${relative} (${res.status}).`);
    return (await res.json()) as { store: string; exists: boolean };
  }

  /** What a folder is (contract C4); null when the daemon cannot say (an older daemon). */
  async inspect(folder: string): Promise<{ path: string; kind: 'store' | 'tensorboard' | 'empty' | 'missing' | 'other'; detail: string } | null> {
    const url = URLExt.join(this.settings.baseUrl, 'runlane', 'api', 'v1', 'sources', 'inspect') + `?path=${encodeURIComponent(folder)}`;
    const res = await ServerConnection.makeRequest(url, {}, this.settings);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`Runlane could not inspect ${folder} (${res.status}).`);
    return (await res.json()) as { path: string; kind: 'store' | 'tensorboard' | 'empty' | 'missing' | 'other'; detail: string };
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

  /** The targets of the runlane.toml beside `store` (a notebook's own store, else the default one). */
  async targets(store = this.config.store): Promise<TargetInfo[]> {
    const url = URLExt.join(this.settings.baseUrl, 'runlane', 'api', 'v1', 'targets') + `?store=${encodeURIComponent(store)}`;
    const res = await ServerConnection.makeRequest(url, {}, this.settings);
    if (!res.ok) throw new Error(`Runlane could not list the targets (${res.status}).`);
    return (await res.json()) as TargetInfo[];
  }
}

function xsrfHeaders(): Record<string, string> {
  const match = document.cookie.match('\\b_xsrf=([^;]*)\\b');
  return match ? { 'X-XSRFToken': match[1]! } : {};
}
