// `runlane launch --on SSH_TARGET -- python train.py --config cfg.yaml`: the host does not have this
// folder, so the files and folders the command names (relative paths under the working folder that
// exist here) are staged into an input folder that the daemon copies to the host; the workers start
// in it, so the same relative paths work there.
import { cpSync, existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Paths in `argv` (also the value of `--opt=path`) that name files or folders under `cwd`. */
export function namedPaths(argv: string[], cwd: string): string[] {
  const found = new Set<string>();
  for (const arg of argv) {
    const candidate = arg.startsWith('-') && arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : arg;
    if (!candidate || path.isAbsolute(candidate)) continue;
    const rel = path.normalize(candidate);
    if (rel === '.' || rel.startsWith('..')) continue; // the whole folder, or outside it: not taken along
    if (existsSync(path.join(cwd, rel))) found.add(rel);
  }
  return [...found];
}

/** Copies the named paths into a new temp folder (same relative layout); returns it, or null when none. */
export function stageNamedFiles(argv: string[], cwd: string): string | null {
  const paths = namedPaths(argv, cwd);
  if (paths.length === 0) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'runlane-launch-'));
  for (const rel of paths) {
    const to = path.join(dir, rel);
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(path.join(cwd, rel), to, { recursive: statSync(path.join(cwd, rel)).isDirectory(), dereference: true });
  }
  return dir;
}
