// How a run is named wherever people see it (legends, compare headers, tab titles, tree rows, CSV):
// its name, plus a short mark from its id when another run in view has the same name, so two
// "baseline" runs can always be told apart. One place, so every view marks runs the same way.
import type { RunSummary } from '@runlane/protocol';

const DATE_TIME_ONLY = /^\d{8}-\d{6}$/;

/**
 * The random part of generated ids (`YYYYMMDD-HHMMSS-xxxxxx`: its last 6 characters), with the block
 * of a job's sweep run kept whole (`<job id>-b3` reads `6691b3-b3`, not `1b3-b3`).
 */
export function shortRunId(id: string): string {
  // A generated id's random part may itself read `b` + digits (`...-082335-b00985`): that is a block
  // only when what comes before it is a whole id, not just the date and time.
  const block = /^(.*)(-b[1-9]\d*)$/.exec(id);
  if (block?.[1] && block[2] && block[1].length > 6 && !DATE_TIME_ONLY.test(block[1])) {
    return `${block[1].slice(-6)}${block[2]}`;
  }
  return id.length <= 6 ? id : id.slice(-6);
}

/** Names shared by two or more of `runs`: those that need a mark. */
export function duplicateNames(runs: Iterable<Pick<RunSummary, 'name' | 'id'>>): Set<string> {
  const seen = new Map<string, string>();
  const dup = new Set<string>();
  for (const run of runs) {
    const other = seen.get(run.name);
    if (other !== undefined && other !== run.id) dup.add(run.name);
    else seen.set(run.name, run.id);
  }
  return dup;
}

/**
 * The run's display label among `peers` (the runs shown together: a chart's runs, a tree, a table):
 * `name` when the name is unique there, `name · a1b2c3` when it is not. Pass `always` to mark it anyway
 * (a tab title seen without its peers).
 */
export function runLabel(run: Pick<RunSummary, 'name' | 'id'>, peers: Iterable<Pick<RunSummary, 'name' | 'id'>> | Set<string> = [], always = false): string {
  const dup = peers instanceof Set ? peers : duplicateNames(peers);
  return always || dup.has(run.name) ? `${run.name} · ${shortRunId(run.id)}` : run.name;
}
