// Team stores (MLflow tracking servers) as both editors show them, DOM-free: what a typed server URI
// must look like, how a server is named in a chip or a tree group (its host: the URI's path and
// query are noise beside it), and the sync mark of a local run pushed to a server (RunSummary.sync,
// set by the daemon). Credentials never pass through here: the daemon takes them from its environment.
import type { RunSummary } from '@runlane/protocol';

/** The variables the daemon reads a server's credentials from (named in prompts and errors). */
export const MLFLOW_CREDENTIAL_VARIABLES = 'MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN)';

/** What the "Add MLflow server" prompt says under its box. */
export const MLFLOW_URI_PROMPT = `The tracking server's URI, e.g. http://mlflow.example.com:5000. Credentials are never stored here: set ${MLFLOW_CREDENTIAL_VARIABLES} in the environment the Runlane daemon starts from.`;

/**
 * A server URI as typed (spaces and trailing slashes dropped), or the sentence that says what to
 * type instead. A password written into the URI is refused: it would be stored in the settings.
 */
export function parseMlflowUri(text: string): { uri: string } | { error: string } {
  const typed = text.trim();
  if (!typed) return { error: 'Type the tracking server’s URI, e.g. http://127.0.0.1:5000.' };
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(typed) ? typed : `http://${typed}`);
  } catch {
    return { error: `“${typed}” is not a URI; type the server’s address, e.g. http://127.0.0.1:5000.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { error: `Runlane reads MLflow tracking servers over http(s); “${typed}” is a ${url.protocol.replace(/:$/, '')} URI (a database or a folder is read by the server, not by Runlane).` };
  }
  if (url.username || url.password) {
    return { error: `Leave the user name and password out of the URI (it is saved in the settings); set ${MLFLOW_CREDENTIAL_VARIABLES} where the Runlane daemon starts instead.` };
  }
  url.hash = '';
  return { uri: url.toString().replace(/\/+$/, '') };
}

/** How a server is named to the user: its host and port ("mlflow.example.com", "127.0.0.1:5000"). */
export function mlflowHost(uri: string): string {
  try {
    const url = new URL(uri);
    const rest = url.pathname.replace(/\/+$/, '');
    return `${url.host}${rest}`;
  } catch {
    return uri;
  }
}

/** A server's chip or group name. */
export function mlflowLabel(uri: string): string {
  return `MLflow: ${mlflowHost(uri)}`;
}

/** RunSummary.sync (contract M4): where a local run is pushed to and how far it got. */
export interface RunSync {
  to: string;
  state: 'pending' | 'syncing' | 'synced' | 'failed';
  message?: string;
  pushed_at?: number;
}

/** A run's sync state, when the daemon has one for it (older daemons: none). */
export function runSync(run: RunSummary): RunSync | null {
  const sync = (run as RunSummary & { sync?: RunSync | null }).sync;
  return sync && typeof sync === 'object' && typeof sync.state === 'string' ? sync : null;
}

/**
 * The mark a row shows for a run's sync: a few words, the longer sentence for a tooltip, and its
 * state (for a colour). Null when the run was never pushed. Failed says why, so the user can act.
 */
export function syncMark(run: RunSummary): { text: string; title: string; state: RunSync['state'] } | null {
  const sync = runSync(run);
  if (!sync) return null;
  const host = mlflowHost(sync.to);
  switch (sync.state) {
    case 'pending':
      return { text: 'not yet synced', title: `Not yet synced to ${host}: the push is queued and retried until the server takes it.${sync.message ? ` ${sync.message}` : ''}`, state: sync.state };
    case 'syncing':
      return { text: 'syncing', title: `Syncing to ${host}…`, state: sync.state };
    case 'synced':
      return { text: 'synced', title: `Synced to ${host}${sync.pushed_at ? ` at ${new Date(sync.pushed_at * 1000).toLocaleString()}` : ''}.`, state: sync.state };
    default:
      return { text: 'sync failed', title: `Sync to ${host} failed: ${sync.message ?? 'no reason given'}. Push it again once that is fixed.`, state: 'failed' };
  }
}

/** A store declared in runlane.toml (`GET /stores`, contract M3). */
export interface DeclaredStore {
  name: string;
  kind: string;
  uri: string;
  sync?: string;
}

/**
 * Where "Push to team store" sends a run without asking: the one declared store, else nothing (the
 * editor then asks, offering the declared stores and the servers shown).
 */
export function pushDestination(declared: DeclaredStore[]): string | null {
  const mlflow = declared.filter((s) => s.kind === 'mlflow');
  return mlflow.length === 1 ? mlflow[0]!.name : null;
}
