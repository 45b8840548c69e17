// Team stores from the project's runlane.toml (the same file as the targets, targetsFile.ts):
//
//   [stores.team]                          # a name of your choice
//   kind = "mlflow"                        # an MLflow tracking server
//   uri = "http://mlflow.example.com:5000" # its http(s) address; credentials come from MLFLOW_TRACKING_*
//   sync = "auto"                          # optional: "auto" mirrors new local runs to it; "off" (default)
//
// Credentials never go in this file: MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { StoreError } from '../store/index.js';
import { parseTrackingUri, redactUri } from '../mlflow/http.js';

export interface StoreConfig {
  name: string;
  kind: 'mlflow';
  uri: string;
  sync: 'auto' | 'off';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function parseStores(text: string, file = 'runlane.toml'): StoreConfig[] {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    throw new StoreError('bad_query', `${file} is not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  const section = doc.stores ?? {};
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new StoreError('bad_query', `${file}: "stores" must be a table of [stores.NAME] sections.`);
  }
  const stores: StoreConfig[] = [];
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    const where = `${file}: [stores.${name}]`;
    if (!NAME.test(name)) throw new StoreError('bad_query', `${file}: the store name "${name}" may use letters, digits, "_", "-" and "." only.`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new StoreError('bad_query', `${where} must be a table.`);
    const { kind, uri, sync, ...rest } = raw as Record<string, unknown>;
    if (kind !== 'mlflow') throw new StoreError('bad_query', `${where} needs kind = "mlflow" (the only kind of team store; got ${JSON.stringify(kind)}).`);
    if (typeof uri !== 'string' || uri.trim() === '') throw new StoreError('bad_query', `${where} needs uri = "http://host:port", the MLflow tracking server's address.`);
    try {
      parseTrackingUri(uri);
    } catch (err) {
      throw new StoreError('bad_query', `${where}: ${(err as Error).message}`);
    }
    if (new URL(uri).password) {
      throw new StoreError('bad_query', `${where}: take the password out of uri (${redactUri(uri)}) and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD where Runlane runs; runlane.toml is shared with the project.`);
    }
    if (sync !== undefined && sync !== 'auto' && sync !== 'off') throw new StoreError('bad_query', `${where}: sync must be "auto" or "off", not ${JSON.stringify(sync)}.`);
    const unknown = Object.keys(rest);
    if (unknown.length) throw new StoreError('bad_query', `${where}: unknown setting ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: kind, uri, sync).`);
    stores.push({ name, kind: 'mlflow', uri: uri.trim(), sync: sync ?? 'off' });
  }
  return stores;
}

/** The stores a runlane.toml declares; [] without one. */
export function loadStores(file: string | null): StoreConfig[] {
  return file ? parseStores(readFileSync(file, 'utf8'), file) : [];
}
