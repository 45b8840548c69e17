// Where a push goes: a server URI as given, or a `[stores.NAME]` of the project's runlane.toml.
import { loadStores, type StoreConfig } from '../targets/storesFile.js';
import { findTargetsFile } from '../targets/targetsFile.js';
import { MlflowError, parseTrackingUri } from './http.js';

/** The MLflow stores the runlane.toml of a store's project declares (`[stores.NAME]`, storesFile.ts). */
export function declaredStores(storeDir: string): StoreConfig[] {
  return loadStores(findTargetsFile(storeDir));
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
