// Where the daemon finds its copy of the Python helper package `runlane`: to put on local and Slurm
// workers' PYTHONPATH, and to copy to SSH hosts (with the follower that mirrors their run files).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../store/index.js';

/** The helper package's folder (runlane/): beside the bundled CLI (pip install), or in the repository. */
export function findHelperDir(): string {
  const candidates = [
    process.env.RUNLANE_HELPER_DIR,
    process.argv[1] && path.basename(path.dirname(process.argv[1])) === '_node' ? path.dirname(path.dirname(process.argv[1])) : undefined,
    process.argv[1] ? path.resolve(path.dirname(process.argv[1]), '../../kernel-helper/src/runlane') : undefined,
    path.resolve(process.cwd(), 'shared/kernel-helper/src/runlane'),
  ];
  for (const c of candidates) if (c && existsSync(path.join(c, '__init__.py'))) return c;
  throw new StoreError('bad_query', 'The Runlane Python helper was not found to copy to the host; set RUNLANE_HELPER_DIR to its runlane/ folder.');
}

/** The folder to put on PYTHONPATH for the daemon's copy of the helper, if found. */
export function helperPath(): string | undefined {
  try {
    return path.dirname(findHelperDir());
  } catch {
    return undefined;
  }
}
