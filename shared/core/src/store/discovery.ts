// Where the store is (docs/store-format.md "Where the store is").
import { statSync } from 'node:fs';
import * as path from 'node:path';

export const STORE_FOLDER = '.runlane';

/** RUNLANE_DIR, else the nearest `.runlane/` from startDir up to the root, else `startDir/.runlane`. */
export function findStoreDir(startDir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.RUNLANE_DIR) return path.resolve(startDir, env.RUNLANE_DIR);
  const start = path.resolve(startDir);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (isDirectory(path.join(dir, STORE_FOLDER))) return path.join(dir, STORE_FOLDER);
    if (path.dirname(dir) === dir) break;
  }
  return path.join(start, STORE_FOLDER);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
