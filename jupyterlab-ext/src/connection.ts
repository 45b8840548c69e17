// How the page reaches the daemon: only through the Jupyter server (runlane_jupyterlab's handlers at
// <base_url>/runlane), authenticated as every JupyterLab request is. The daemon's token never reaches
// the page.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { HttpHostBridge, type HostBridge } from '@runlane/ui';
import type { TargetInfo } from '@runlane/protocol';

export interface RunlaneConfig {
  /** The store the page shows (absolute path). */
  store: string;
  /** The Jupyter server's root folder: runs carry absolute notebook paths, the page relative ones. */
  root_dir: string;
}

export class RunlaneConnection {
  private constructor(
    readonly config: RunlaneConfig,
    readonly bridge: HostBridge,
    private readonly settings: ServerConnection.ISettings,
  ) {}

  /** `storeSetting`: the user's store folder (relative to the server's root, or absolute); empty for the server's. */
  static async open(storeSetting = '', settings = ServerConnection.makeSettings()): Promise<RunlaneConnection> {
    const base = URLExt.join(settings.baseUrl, 'runlane');
    const res = await ServerConnection.makeRequest(URLExt.join(base, 'config'), {}, settings);
    if (!res.ok) throw new Error(`The Runlane server extension did not answer (${res.status}); is runlane-jupyterlab installed and enabled?`);
    const config = (await res.json()) as RunlaneConfig;
    if (storeSetting.trim()) {
      const chosen = storeSetting.trim();
      config.store = chosen.startsWith('/') ? chosen : `${config.root_dir.replace(/\/$/, '')}/${chosen}`;
    }
    // Requests carry the XSRF cookie as a header, as JupyterLab's own do; the feed (an EventSource,
    // which sends no headers) authenticates with the page's cookie, or the token when there is one.
    const init = (): RequestInit => ({ headers: xsrfHeaders(), credentials: 'same-origin' });
    const query: Record<string, string> = settings.token ? { token: settings.token } : {};
    const bridge = new HttpHostBridge(base, [{ kind: 'store', path: config.store }], init, query);
    return new RunlaneConnection(config, bridge, settings);
  }

  get source(): string {
    return this.config.store;
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

  async targets(): Promise<TargetInfo[]> {
    const url = URLExt.join(this.settings.baseUrl, 'runlane', 'api', 'v1', 'targets') + `?store=${encodeURIComponent(this.config.store)}`;
    const res = await ServerConnection.makeRequest(url, {}, this.settings);
    if (!res.ok) throw new Error(`Runlane could not list the targets (${res.status}).`);
    return (await res.json()) as TargetInfo[];
  }
}

function xsrfHeaders(): Record<string, string> {
  const match = document.cookie.match('\\b_xsrf=([^;]*)\\b');
  return match ? { 'X-XSRFToken': match[1]! } : {};
}
