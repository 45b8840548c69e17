// Temporary folders for tests: one per test under the OS temp folder, named after the test file's
// subject so that a leftover says where it came from.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A new empty folder, `<tmp>/runlane-<name>-XXXXXX`. */
export function makeTempDir(name: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `runlane-${name}-`));
}

/** Removes a folder made by makeTempDir and everything in it; a folder already gone is fine. */
export function removeTempDir(dir: string): void {
  // Retries: a process the test stopped may still be finishing a write inside (ENOTEMPTY, EBUSY).
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
