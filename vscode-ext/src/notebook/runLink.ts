// Contract C3: the output a tracked cell and a job cell show first, naming their run. One MIME bundle:
// the run as JSON for the editors' renderers (the run's name as text with Details and Charts links),
// and a plain-text line any other Jupyter frontend shows.
export const RUN_MIME = 'application/vnd.runlane.run+json';

export interface RunLink {
  id: string;
  name: string;
  experiment: string;
  store: string;
  kind: string;
}

export function runLinkBundle(run: RunLink): Record<string, unknown> {
  return { [RUN_MIME]: run, 'text/plain': `Runlane run "${run.name}" (${run.id}): runlane show ${run.id}` };
}

/** A RunLink from an output item's JSON, or null when it is not one (a renderer must not trust it). */
export function parseRunLink(value: unknown): RunLink | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const text = (k: string) => (typeof v[k] === 'string' ? v[k] : null);
  const id = text('id');
  if (!id) return null;
  return { id, name: text('name') ?? id, experiment: text('experiment') ?? '', store: text('store') ?? '', kind: text('kind') ?? '' };
}

/**
 * What the renderer sends the extension: open a run's panel, or ask for the current names of the runs
 * it shows (the output keeps the name the run had when the cell ran; a rename, or the cell's own
 * rl.run(name=...), comes later).
 */
export type RunLinkMessage = { type: 'open'; view: 'details' | 'charts'; run: RunLink } | { type: 'names?'; ids: string[] };

/** What the extension sends the renderers: the current label of each run they asked about. */
export interface RunNamesMessage {
  type: 'names';
  names: Record<string, string>;
}

/** The names message for `ids`, labelled by `label`; runs it does not know are left out (they keep their name). */
export function namesMessage(ids: Iterable<string>, label: (id: string) => string | undefined): RunNamesMessage {
  const names: Record<string, string> = {};
  for (const id of ids) {
    const name = label(id);
    if (name !== undefined) names[id] = name;
  }
  return { type: 'names', names };
}

/** The names a renderer message carries, checked (the extension's messages only; anything else: null). */
export function parseNames(value: unknown): Map<string, string> | null {
  const v = value as Partial<RunNamesMessage> | null;
  if (!v || v.type !== 'names' || !v.names || typeof v.names !== 'object') return null;
  return new Map(Object.entries(v.names).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
