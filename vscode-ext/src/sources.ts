// Which folders the Runs view shows, as plain logic: the store of the setting (else of each workspace
// folder), the store every open notebook and script writes to (the helper's rule: RUNLANE_DIR, else
// the nearest .runlane/ from the file's folder up, else one in that folder), and the TensorBoard log
// folders the user opened. A notebook in a subfolder with its own .runlane/ thus has its runs shown,
// under their own store, instead of nowhere. Besides those: every store found in the workspace
// folders (a store exists before any of its notebooks is open), and every store this window has
// shown (closing an editor never takes a store's runs away without a word). And team stores: the
// MLflow servers of runlane.mlflowStores and those runlane.toml declares, named by their host.
import * as path from 'node:path';
import { mlflowLabel } from '@runlane/ui';

export interface Source {
  kind: 'store' | 'logdir' | 'mlflow';
  /** Absolute path of the store folder or log folder, or an MLflow server's URI (contract M5). */
  path: string;
  /** How the tree names it: relative to the workspace where it can be. */
  label: string;
  /** Why it is shown: "store setting", "workspace folder", "notebook.ipynb, train.py", "opened". */
  reason: string;
}

export interface SourceInputs {
  /** runlane.storeFolder resolved, when set and usable as a store. */
  setting: string | null;
  /** Workspace folders (absolute). */
  folders: string[];
  /** Open notebooks and Python files (absolute). */
  files: string[];
  /** Stores found under the workspace folders (absolute store folders). */
  found?: string[];
  /** Stores this window showed before (kept, so that closing an editor drops nothing). */
  kept?: string[];
  /** TensorBoard log folders the user opened (absolute). */
  logdirs: string[];
  /** MLflow servers (URIs) with why each is shown ("mlflowStores setting", "runlane.toml [stores.team]"). */
  mlflow?: { uri: string; reason: string }[];
  /** The store a file in `dir` writes to (findStoreDir). */
  storeFor: (dir: string) => string;
}

export function workspaceSources(inputs: SourceInputs): Source[] {
  const sources: Source[] = [];
  let kindOf: Source['kind'] = 'store';
  const label = (p: string) => {
    for (const folder of inputs.folders) {
      const rel = path.relative(folder, p);
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) return inputs.folders.length > 1 ? path.join(path.basename(folder), rel) : rel || path.basename(p);
    }
    return kindOf === 'logdir' ? path.basename(p) : p; // a log folder elsewhere: its name (the tooltip has the path)
  };
  const add = (kind: Source['kind'], p: string, reason: string) => {
    const found = sources.find((s) => s.path === p && s.kind === kind);
    if (found) {
      if (!found.reason.split(', ').includes(reason)) found.reason = `${found.reason}, ${reason}`;
    } else {
      kindOf = kind;
      sources.push({ kind, path: p, label: label(p), reason });
    }
  };
  if (inputs.setting) add('store', inputs.setting, 'store setting');
  else for (const folder of inputs.folders) add('store', inputs.storeFor(folder), 'workspace folder');
  for (const file of [...inputs.files].sort()) add('store', inputs.storeFor(path.dirname(file)), path.basename(file));
  // Found or kept stores that are also shown for a reason above keep that reason alone.
  const extra = (store: string, reason: string) => sources.some((s) => s.kind === 'store' && s.path === store) || add('store', store, reason);
  for (const store of [...(inputs.found ?? [])].sort()) extra(store, 'in the workspace');
  for (const store of inputs.kept ?? []) extra(store, 'shown before');
  for (const dir of inputs.logdirs) add('logdir', dir, 'TensorBoard log folder');
  for (const server of inputs.mlflow ?? []) {
    const found = sources.find((s) => s.kind === 'mlflow' && s.path === server.uri);
    if (found) found.reason = found.reason.split(', ').includes(server.reason) ? found.reason : `${found.reason}, ${server.reason}`;
    else sources.push({ kind: 'mlflow', path: server.uri, label: mlflowLabel(server.uri), reason: server.reason });
  }
  return sources;
}
