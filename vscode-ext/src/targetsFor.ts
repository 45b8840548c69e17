// Which runlane.toml a notebook or script uses for its targets, as plain logic: the runlane.targetsFile
// setting when set; else the nearest runlane.toml from the file's folder upwards, stopping at the
// workspace folder that holds it (a study in research/lr-study/ keeps its targets beside its store, as
// `runlane targets` run in that folder finds them); else the CLI's rule (beside the file's store).
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface TargetsFileInputs {
  /** runlane.targetsFile, resolved, or undefined. */
  setting?: string;
  /** Workspace folders (absolute). */
  folders: string[];
  /** The store a file in `dir` writes to (findStoreDir). */
  storeFor: (dir: string) => string;
}

/** The runlane.toml `file` uses (absolute), or undefined for the daemon's own rule. */
export function targetsFileFor(file: string, inputs: TargetsFileInputs): string | undefined {
  if (inputs.setting) return inputs.setting;
  const inside = (folder: string) => {
    const rel = path.relative(folder, file);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  };
  // The innermost workspace folder holding the file is where the search stops.
  const top = inputs.folders.filter(inside).sort((a, b) => b.length - a.length)[0];
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'runlane.toml');
    if (existsSync(candidate)) return candidate;
    if (!top || dir === top || path.dirname(dir) === dir) break;
  }
  const besideStore = path.join(path.dirname(inputs.storeFor(path.dirname(file))), 'runlane.toml');
  return existsSync(besideStore) ? besideStore : undefined;
}
