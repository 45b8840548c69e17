// A run's artifacts: the files under `<run>/artifacts/` (docs/store-format.md "Artifacts"). Paths are
// validated before they touch the file system, and symbolic links are never followed, so a request
// can only ever read inside that folder.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ArtifactInfo } from '@runlane/protocol';
import { isTempFile } from './atomicFile.js';
import { StoreError, validateArtifactPath, validateRunId } from './names.js';

export const ARTIFACTS_FOLDER = 'artifacts';
/** A listing stops here: a run that wrote a million files still answers quickly. */
const MAX_LISTED = 10_000;

export function artifactsDir(storeDir: string, runId: string): string {
  return path.join(storeDir, 'runs', validateRunId(runId), ARTIFACTS_FOLDER);
}

/** Every regular file under the run's artifacts folder, sorted by path; none when there is no folder. */
export async function listArtifacts(storeDir: string, runId: string): Promise<ArtifactInfo[]> {
  const root = artifactsDir(storeDir, runId);
  const found: ArtifactInfo[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      if (found.length >= MAX_LISTED) return;
      if (isTempFile(entry.name)) continue;
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(abs, rel);
      else if (entry.isFile()) {
        const stat = await fs.stat(abs);
        found.push({ path: rel, size: stat.size, mtime: stat.mtimeMs / 1000 });
      }
    }
  };
  await walk(root, '');
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One artifact's bytes; a path outside the folder, a link or a folder is refused. */
export async function readArtifact(storeDir: string, runId: string, relPath: string): Promise<Buffer> {
  const segments = validateArtifactPath(relPath);
  const file = path.join(artifactsDir(storeDir, runId), ...segments);
  let stat;
  try {
    stat = await fs.lstat(file);
  } catch {
    throw new StoreError('not_found', `Run ${runId} has no artifact "${relPath}".`);
  }
  if (!stat.isFile()) throw new StoreError('not_found', `Run ${runId} has no artifact "${relPath}" (it is not a regular file).`);
  return fs.readFile(file);
}
