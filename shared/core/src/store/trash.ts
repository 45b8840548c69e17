// Deleting a run moves its folder to `<store>/trash/` in one rename: nothing is lost (the user can
// move it back), a crash leaves the run either listed or trashed, and readers never see half a run.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StoreError, validateRunId } from './names.js';

export const TRASH_FOLDER = 'trash';

/** Moves the run to the trash and returns where it went (`trash/<id>`, with a suffix if taken). */
export async function trashRun(storeDir: string, runId: string): Promise<string> {
  const from = path.join(storeDir, 'runs', validateRunId(runId));
  if (!existsSync(path.join(from, 'meta.json'))) throw new StoreError('not_found', `No run ${runId} in ${storeDir}.`);
  const trash = path.join(storeDir, TRASH_FOLDER);
  await fs.mkdir(trash, { recursive: true });
  let to = path.join(trash, runId);
  for (let n = 2; existsSync(to); n++) to = path.join(trash, `${runId}-${n}`);
  await fs.rename(from, to);
  return to;
}
