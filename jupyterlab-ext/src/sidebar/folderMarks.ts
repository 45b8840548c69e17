// Which folder a row of the Runs list comes from, said compactly: a short coloured chip at the row's
// right (the folder's full path in its tooltip), the same colour as the folder's chip above the list.
// Rows said "· in .runlane" / "· in tb_logs" in their facts line before, which pushed the main metric
// out of sight at the default sidebar width. Nothing is shown when the list has one folder.

/** The number of distinct folder colours (classes rl-folder-0 … rl-folder-5 in style/base.css). */
export const FOLDER_COLOURS = 6;

export interface FolderMark {
  /** A few characters naming the folder ("tb_logs", "sub" for sub/.runlane). */
  text: string;
  /** Which colour class the folder gets: its place among the shown folders. */
  colour: number;
}

/** A folder's short name: its last part, or the folder holding it for a `.runlane` store. */
export function shortFolderName(label: string): string {
  const parts = label.split('/').filter(Boolean);
  const last = parts[parts.length - 1] ?? label;
  if (last === '.runlane' && parts.length > 1) return parts[parts.length - 2]!;
  return last;
}

/** The mark of each folder (by path), in the order shown; empty when at most one folder is shown. */
export function folderMarks(paths: string[], label: (path: string) => string): Map<string, FolderMark> {
  const marks = new Map<string, FolderMark>();
  if (paths.length <= 1) return marks;
  paths.forEach((path, i) => marks.set(path, { text: shortFolderName(label(path)), colour: i % FOLDER_COLOURS }));
  return marks;
}
