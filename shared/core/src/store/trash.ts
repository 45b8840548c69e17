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

/** The trashed copies of a run, newest first (a run deleted, restored and deleted again has two). */
async function trashedCopies(trash: string, runId: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(trash);
  } catch {
    return [];
  }
  const copies: { dir: string; changed: number; n: number }[] = [];
  for (const name of names) {
    const suffix = name === runId ? '1' : name.startsWith(`${runId}-`) ? name.slice(runId.length + 1) : null;
    if (suffix === null || !/^\d+$/.test(suffix)) continue;
    const dir = path.join(trash, name);
    // meta.json names the run: `<id>-2` may be a copy of <id>, or a run whose own id ends in -2.
    const meta = await fs.readFile(path.join(dir, 'meta.json'), 'utf8').catch(() => null);
    let id: unknown = null;
    try {
      id = meta === null ? null : (JSON.parse(meta) as { id?: unknown }).id;
    } catch {
      // a damaged meta.json: not a copy we can vouch for
    }
    if (id !== runId) continue;
    // The rename into the trash sets the folder's ctime: the newest is the latest delete.
    const st = await fs.stat(dir);
    copies.push({ dir, changed: st.ctimeMs, n: Number(suffix) });
  }
  return copies.sort((a, b) => b.changed - a.changed || b.n - a.n).map((c) => c.dir);
}

/**
 * Moves a deleted run back from the trash (its latest trashed copy) in one rename, so a crash leaves
 * it trashed or listed, never half of it. Refused when the store already has a run of that id.
 */
export async function restoreRun(storeDir: string, runId: string): Promise<void> {
  const to = path.join(storeDir, 'runs', validateRunId(runId));
  const [from] = await trashedCopies(path.join(storeDir, TRASH_FOLDER), runId);
  if (from === undefined) throw new StoreError('not_found', `Run ${runId} is not in the trash of ${storeDir}; only deleted runs can be restored.`);
  if (existsSync(to)) throw new StoreError('conflict', `The store already has a run ${runId}; move or delete it before restoring the deleted one (kept in ${from}).`);
  await fs.mkdir(path.dirname(to), { recursive: true });
  await fs.rename(from, to);
}
