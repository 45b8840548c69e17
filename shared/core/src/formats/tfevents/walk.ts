// One look at a log directory per poll: every folder under it with its entries, read once and shared
// by the readers that look for runs in it (TensorBoard's event files, DVCLive's folders). Each used to
// walk the tree itself, so a poll read every folder twice (1,000 runs: 2,000 readdir calls a second).
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';

export interface LogdirListing {
  root: string;
  /** Folder (absolute) -> its entries, in the walk's order (the root first, then depth first);
   * unreadable folders are absent. Symlinked folders are not entered (as TensorBoard's walk). */
  folders: Map<string, Dirent[]>;
  /** Why the root could not be read; null when it was. */
  rootError: NodeJS.ErrnoException | null;
}

/** Lists `root` and every folder under it, each read once. Never throws. */
export async function listLogdir(root: string): Promise<LogdirListing> {
  const folders = new Map<string, Dirent[]>();
  let rootError: NodeJS.ErrnoException | null = null;
  const walk = async (folder: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (folder === root) rootError = err as NodeJS.ErrnoException;
      return; // unreadable: not evidence either way
    }
    folders.set(folder, entries);
    for (const e of entries) if (e.isDirectory()) await walk(path.join(folder, e.name));
  };
  await walk(root);
  return { root, folders, rootError };
}

/** Folders holding event files, as TensorBoard finds them (names containing "tfevents"; symlinked
 * files read): id (path relative to the root, '' for the root) -> its event files in name order. */
export async function eventFolders(listing: LogdirListing): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const [folder, entries] of listing.folders) {
    const events: string[] = [];
    for (const e of entries) {
      if (e.name.includes('tfevents') && (e.isFile() || (e.isSymbolicLink() && (await isFile(path.join(folder, e.name)))))) events.push(e.name);
    }
    if (events.length) found.set(path.relative(listing.root, folder).split(path.sep).join('/'), events.sort().map((n) => path.join(folder, n)));
  }
  return found;
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}
