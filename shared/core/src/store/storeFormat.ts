// The store's format marker (runlane-store.json) and the version check every reader and writer makes.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicFile.js';
import { assertStoreFolder } from './folderKind.js';
import { StoreError } from './names.js';

export const FORMAT_VERSION = 1;
export const MARKER_FILE = 'runlane-store.json';

/** Refuses a store written by a newer format; a missing marker reads as version 1. */
export async function checkStoreVersion(dir: string): Promise<number> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MARKER_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return FORMAT_VERSION;
    throw err;
  }
  let version: unknown;
  try {
    version = (JSON.parse(text) as { version?: unknown }).version;
  } catch {
    throw new StoreError('store_version', `The store marker ${path.join(dir, MARKER_FILE)} is not valid JSON; restore it or move the store aside.`);
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new StoreError('store_version', `The store marker ${path.join(dir, MARKER_FILE)} has no valid version; restore it or move the store aside.`);
  }
  if (version > FORMAT_VERSION) {
    throw new StoreError(
      'store_version',
      `The store at ${dir} has format version ${version}, but this Runlane reads up to version ${FORMAT_VERSION}. ` +
        'Upgrade Runlane to open it; nothing was read or changed.',
    );
  }
  return version;
}

/** Creates the store folder and its marker when missing (atomic, so racing writers are safe). */
export async function ensureStore(dir: string, writerId: string): Promise<void> {
  await assertStoreFolder(dir); // never a runs/ folder inside a TensorBoard or project folder
  await checkStoreVersion(dir);
  await fs.mkdir(path.join(dir, 'runs'), { recursive: true });
  try {
    await fs.access(path.join(dir, MARKER_FILE));
  } catch {
    const marker = `${JSON.stringify({ format: 'runlane-store', version: FORMAT_VERSION })}\n`;
    await writeFileAtomic(path.join(dir, MARKER_FILE), marker, writerId);
    await ignoreInGit(dir, writerId);
  }
}

export const GITIGNORE_TEXT = '# Written by Runlane when it made this store: runs are data, not source (delete this file to track them).\n*\n';

/** A new store inside a git repository must not flood Source Control with run files (like .venv/ does it). */
async function ignoreInGit(dir: string, writerId: string): Promise<void> {
  const file = path.join(dir, '.gitignore');
  if (await fs.access(file).then(() => true, () => false)) return;
  await writeFileAtomic(file, GITIGNORE_TEXT, writerId).catch(() => {}); // a nicety: never fails a write
}
