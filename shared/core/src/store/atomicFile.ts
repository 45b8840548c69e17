// Snapshot files are replaced atomically: write a temp file beside the target, fsync, rename.
// Readers see the old or the new content, never a mix, even if this process dies mid-write.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export async function writeFileAtomic(file: string, data: string | Buffer, tmpSuffix: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `${path.basename(file)}.tmp-${tmpSuffix}`);
  const handle = await fs.open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

/** Temp files of atomic writes in progress (or left by a crash) are never read as data. */
export function isTempFile(name: string): boolean {
  return name.includes('.tmp-');
}
