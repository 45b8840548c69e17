// The run a person names on the command line: the full id, or the short id the editors show (the
// last 6 characters, `media demo · f9e015`), or any unique prefix or suffix of 4+ characters. Only
// the CLI resolves; the daemon's HTTP API keeps ids exact (an id in a URL names one run, always).
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isTempFile } from '../store/atomicFile.js';
import { TRASH_FOLDER } from '../store/trash.js';
import { printable } from './format.js';

/**
 * The fewest characters a shortened id may have. Fewer would let a slip of the keyboard (`runlane
 * cancel 2`) pick some run by chance; git asks for 4 of a hash for the same reason.
 */
export const MIN_SHORT_ID = 4;

/** How many of the matching ids an ambiguous id's message lists. */
const LISTED = 5;

/** An id that matches several runs: a usage error (exit 2), naming them. */
export class AmbiguousRunId extends Error {
  constructor(
    readonly input: string,
    readonly matches: string[],
  ) {
    const shown = matches.slice(0, LISTED).join(', ');
    const more = matches.length > LISTED ? ` and ${matches.length - LISTED} more` : '';
    super(`"${printable(input)}" matches ${matches.length} runs (${printable(shown)}${more}). Give more characters of the run id (\`runlane ls\` lists them).`);
  }
}

/**
 * The full id `input` stands for among `ids`: itself when it is one of them, else the one id it
 * begins or ends (4+ characters). No match gives `input` back unchanged, so the lookup that follows
 * says what it always said ("No run ... in the store") and a run the list missed (a server's run
 * beyond the pages read, one created since) is still found by its full id.
 */
export function matchRunId(input: string, ids: Iterable<string>): string {
  const all = ids instanceof Set ? (ids as Set<string>) : new Set(ids);
  if (all.has(input) || input.length < MIN_SHORT_ID) return input;
  const matches = [...all].filter((id) => id.startsWith(input) || id.endsWith(input)).sort();
  if (matches.length > 1) throw new AmbiguousRunId(input, matches);
  return matches[0] ?? input;
}

/** A run id as the store names its folders: only such an input can be a folder name checked as is. */
const STORE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;

/** Whether the store has a run folder of exactly this id: a full id needs no listing (100,000 runs). */
export function storeHasRun(storeDir: string, id: string): boolean {
  return STORE_ID.test(id) && existsSync(path.join(storeDir, 'runs', id));
}

/** The full id of a store's run a RUN argument stands for (a short one resolved among its folders). */
export async function storeRunId(storeDir: string, input: string): Promise<string> {
  return storeHasRun(storeDir, input) ? input : matchRunId(input, await storeRunIds(storeDir));
}

/** The run folders' names (each a run id); a store without runs/ has none. */
export async function storeRunIds(storeDir: string): Promise<string[]> {
  return readNames(path.join(storeDir, 'runs'));
}

/**
 * The ids of the runs in the store's trash, as `runlane restore` takes them: a folder is `<id>` or
 * `<id>-N` (deleted again), its meta.json names the run.
 */
export async function trashedRunIds(storeDir: string): Promise<string[]> {
  const trash = path.join(storeDir, TRASH_FOLDER);
  const ids = new Set<string>();
  for (const name of await readNames(trash)) {
    try {
      const meta = JSON.parse(await fs.readFile(path.join(trash, name, 'meta.json'), 'utf8')) as { id?: unknown };
      if (typeof meta.id === 'string') ids.add(meta.id);
    } catch {
      // no or a damaged meta.json: not a run restore can bring back, so not one to match
    }
  }
  return [...ids];
}

async function readNames(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((name) => !isTempFile(name)); // a run folder half made
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
