// What a log folder the user opened holds, for its label in both editors: TensorBoard event files,
// DVCLive folders (read as a log folder's runs too, docs/dvclive.md), or both. Both open through the
// same "Open TensorBoard Log Folder", and a DVC user's folder labelled "TensorBoard" looked misread.
import type { RunSummary } from '@runlane/protocol';

export interface LogFolderKind {
  /** After a count: "6 runs · DVCLive folder". */
  what: string;
  /** Before the folder's name: "DVCLive: dvclive". */
  prefix: string;
}

/** From the runs read so far; a folder with none yet is taken as TensorBoard's, as it was opened. */
export function logFolderKind(runs: Iterable<Pick<RunSummary, 'kind'>>): LogFolderKind {
  let tensorboard = false;
  let dvclive = false;
  for (const run of runs) {
    if (run.kind === 'dvclive') dvclive = true;
    else tensorboard = true;
  }
  if (dvclive && tensorboard) return { what: 'log folder (TensorBoard and DVCLive)', prefix: 'TensorBoard + DVCLive' };
  if (dvclive) return { what: 'DVCLive folder', prefix: 'DVCLive' };
  return { what: 'TensorBoard log folder', prefix: 'TensorBoard' };
}
