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
  const text = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : null);
  const id = text('id');
  if (!id) return null;
  return { id, name: text('name') ?? id, experiment: text('experiment') ?? '', store: text('store') ?? '', kind: text('kind') ?? '' };
}

/** What the renderer asks the extension to open. */
export interface RunLinkMessage {
  type: 'open';
  view: 'details' | 'charts';
  run: RunLink;
}
