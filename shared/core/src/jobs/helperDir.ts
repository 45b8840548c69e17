// Where the daemon finds its copy of the Python helper package `runlane`: to put on local and Slurm
// workers' PYTHONPATH, and to copy to SSH hosts (with the follower that mirrors their run files).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { StoreError } from '../store/index.js';

/**
 * The helper package's folder (runlane/), found from the CLI script the daemon runs as (`script`):
 * the bundled CLI inside the pip-installed package (runlane/_node/runlane.cjs), the VS Code
 * extension's bundle beside its copy (dist/runlane.cjs, dist/python/runlane), or the repository.
 */
export function findHelperDir(script: string | undefined = process.argv[1]): string {
  const dir = script === undefined ? undefined : path.dirname(script);
  const candidates = [
    process.env.RUNLANE_HELPER_DIR,
    dir !== undefined && path.basename(dir) === '_node' ? path.dirname(dir) : undefined,
    dir !== undefined ? path.join(dir, 'python', 'runlane') : undefined,
    dir !== undefined ? path.resolve(dir, '../../kernel-helper/src/runlane') : undefined,
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
