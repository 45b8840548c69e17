// What a folder is, before anything is written into it (contract C4). A store setting, RUNLANE_DIR
// or --dir pointed at a TensorBoard log folder or a project folder must not grow a `runs/` folder
// and a marker there: writers create a store only where there is one, nothing, or an empty folder.
// The Python helper has its twin (runlane/store/folder_kind.py), with the same rules and sentences.
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import type { FolderInspection } from '@runlane/protocol';
import { StoreError } from './names.js';
import { MARKER_FILE } from './storeFormat.js';
import { countDvcliveFolders } from '../formats/dvclive/dvcliveDir.js';

export type { FolderInspection, FolderKind } from '@runlane/protocol';

/** Bounds of the look for event files: a huge home folder must not be walked whole. */
const MAX_DEPTH = 4;
const MAX_ENTRIES = 5000;

/** Event files as TensorBoard finds them (its loader matches names containing "tfevents"). */
export function isEventFileName(name: string): boolean {
  return name.includes('tfevents');
}

/**
 * Classifies `dir` (absolute): store, TensorBoard log folder, empty, missing or other, with a detail
 * that reads after "<path> is". Never throws.
 */
export async function inspectFolder(dir: string): Promise<FolderInspection> {
  const abs = path.resolve(dir);
  let entries: Dirent[];
  try {
    entries = await fs.readdir(abs, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path: abs, kind: 'missing', detail: 'a folder that does not exist yet; a store is created there on the first write' };
    if (code === 'ENOTDIR') return { path: abs, kind: 'other', detail: 'a file, not a folder' };
    return { path: abs, kind: 'other', detail: `a folder that cannot be read (${(err as Error).message})` };
  }
  const names = entries.map((e) => e.name);
  if (names.includes(MARKER_FILE)) return { path: abs, kind: 'store', detail: 'a Runlane store' };
  const events = await findEventFolders(abs);
  if (events.folders > 0) {
    const count = `${events.complete ? '' : 'at least '}${events.folders} run${events.folders === 1 ? '' : 's'} of event files`;
    return { path: abs, kind: 'tensorboard', detail: `a TensorBoard log folder (${count})` };
  }
  // DVCLive folders are read as a log folder's runs (docs/dvclive.md): opened the same way.
  const dvclive = await countDvcliveFolders(abs);
  if (dvclive.count > 0) return { path: abs, kind: 'tensorboard', detail: dvclive.itself ? 'a DVCLive folder' : `a log folder with ${count(dvclive.count, 'DVCLive folder')}` };
  // A store whose first writer crashed before writing the marker (docs/store-format.md).
  if (names.includes('runs') && (await isDirectory(path.join(abs, 'runs')))) return { path: abs, kind: 'store', detail: 'a Runlane store (without its marker yet)' };
  // Hidden files alone (.DS_Store, .gitkeep) leave a folder empty for this purpose.
  const shown = entries.filter((e) => !e.name.startsWith('.'));
  const nested = names.includes('.runlane') && (await isDirectory(path.join(abs, '.runlane')));
  if (shown.length === 0 && !nested) return { path: abs, kind: 'empty', detail: 'an empty folder; a store is created there on the first write' };
  const folders = shown.filter((e) => e.isDirectory()).length;
  const holds = [count(folders, 'folder'), count(shown.length - folders, 'file')].filter(Boolean).join(' and ');
  return {
    path: abs,
    kind: 'other',
    detail: nested ? `a folder with a Runlane store inside it, in ${path.join(abs, '.runlane')}` : `a folder that is not a Runlane store (it holds ${holds})`,
  };
}

/**
 * Throws a StoreError('not_a_store') unless `dir` is a store, empty or missing: what it is and what
 * to do instead, as one sentence a user can act on. Call it before creating or watching a store.
 */
export async function assertStoreFolder(dir: string): Promise<void> {
  const found = await inspectFolder(dir);
  if (found.kind === 'store' || found.kind === 'empty' || found.kind === 'missing') return;
  throw new StoreError('not_a_store', refusal(found));
}

function refusal(found: FolderInspection): string {
  const where = found.path;
  if (found.kind === 'tensorboard') {
    return (
      `${where} is ${found.detail}, not a Runlane store; nothing was written there. ` +
      `Open it as one: runlane ls --logdir ${where}, or the editor's 'Open TensorBoard Log Folder'; ` +
      'and point the store (RUNLANE_DIR, --dir or the store setting) at another folder.'
    );
  }
  const inside = path.join(where, '.runlane');
  if (found.detail.includes(inside)) return `${where} is ${found.detail}; nothing was written there. Point the store (RUNLANE_DIR, --dir or the store setting) at ${inside} instead.`;
  return (
    `${where} is ${found.detail}; nothing was written there. ` +
    `Point the store (RUNLANE_DIR, --dir or the store setting) at an existing store, an empty folder or a new one such as ${inside}.`
  );
}

/** Folders under `root` (itself included) that hold event files, looked for breadth-first within bounds. */
async function findEventFolders(root: string): Promise<{ folders: number; complete: boolean }> {
  let folders = 0;
  let seen = 0;
  let level = [root];
  for (let depth = 0; depth <= MAX_DEPTH && level.length; depth++) {
    const next: string[] = [];
    for (const folder of level) {
      let entries;
      try {
        entries = await fs.readdir(folder, { withFileTypes: true });
      } catch {
        continue; // unreadable: not evidence either way
      }
      seen += entries.length;
      if (entries.some((e) => !e.isDirectory() && isEventFileName(e.name))) folders++;
      // Symlinked folders are not followed, as TensorBoard's walk does not.
      for (const e of entries) if (e.isDirectory()) next.push(path.join(folder, e.name));
      if (seen > MAX_ENTRIES) return { folders, complete: false };
    }
    level = next;
  }
  return { folders, complete: true }; // deeper folders are left unsearched: runs nest a level or two
}

/** "3 files", "1 folder"; '' for none. */
function count(n: number, word: string): string {
  return n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}
