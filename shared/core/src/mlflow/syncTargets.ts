// Where a push goes: a server URI as given, or a `[stores.NAME]` of the project's runlane.toml.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { findTargetsFile } from '../targets/targetsFile.js';
import { MlflowError, parseTrackingUri } from './http.js';

export interface DeclaredMlflowStore {
  name: string;
  uri: string;
  sync: 'auto' | 'off';
}

/** The MLflow stores runlane.toml declares (`[stores.NAME]` with kind = "mlflow"). */
export function declaredStores(storeDir: string): DeclaredMlflowStore[] {
  const file = findTargetsFile(storeDir);
  if (!file) return [];
  let doc: Record<string, unknown>;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch {
    return []; // runlane targets reports a broken file; a push by --mlflow still works
  }
  const section = doc.stores;
  if (typeof section !== 'object' || section === null) return [];
  const out: DeclaredMlflowStore[] = [];
  for (const [name, raw] of Object.entries(section as Record<string, unknown>)) {
    const s = raw as { kind?: unknown; uri?: unknown; sync?: unknown };
    if (s?.kind !== 'mlflow' || typeof s.uri !== 'string') continue;
    out.push({ name, uri: s.uri, sync: s.sync === 'auto' ? 'auto' : 'off' });
  }
  return out;
}

/** A push destination as the user gave it: a declared store's name, else an http(s) URI. */
export function resolveStoreUri(storeDir: string, to: string): string {
  const declared = declaredStores(storeDir);
  const found = declared.find((s) => s.name === to);
  if (found) return found.uri;
  if (/^https?:\/\//i.test(to)) return parseTrackingUri(to).toString();
  const names = declared.map((s) => s.name).join(', ');
  throw new MlflowError(
    'bad_request',
    names
      ? `No store "${to}" in runlane.toml (it declares ${names}): give one of those names, or the server's URI with --mlflow.`
      : `No store "${to}": runlane.toml declares none. Add [stores.${to}] with kind = "mlflow" and uri = "http://...", or give the server's URI with --mlflow.`,
  );
}
