// "Run Cell as Experiment" writes what it does into the cell: a first line `%%runlane` (this kernel)
// or `%%runlane --on TARGET` (a job), so the notebook records that the cell is an experiment and runs
// the same in any Jupyter frontend. Options already on the line (a name, an experiment, workers) are
// kept; job-only ones go when the cell comes back to the kernel.

const JOB_ONLY_WITH_VALUE = new Set(['--on', '--workers', '--gpus', '--with']);
const JOB_ONLY_FLAGS = new Set(['--detach']);
const TOKEN = /"(?:[^"\\]|\\.)*"|'[^']*'|\S+/g;

/** The `%%runlane` options of a cell's first line, or null when the cell does not start with the magic. */
export function magicOptions(source: string): string[] | null {
  const first = source.split('\n', 1)[0]!;
  if (!/^%%runlane(\s|$)/.test(first)) return null;
  return first.slice('%%runlane'.length).match(TOKEN) ?? [];
}

/** The cell's source with its first line set to run as an experiment in the kernel (target null) or on `target`. */
export function withRunlaneMagic(source: string, target: string | null): string {
  const options = magicOptions(source);
  const body = options === null ? source : source.slice(source.split('\n', 1)[0]!.length + 1);
  const kept: string[] = [];
  const list = options ?? [];
  for (let i = 0; i < list.length; i++) {
    const token = list[i]!;
    const name = token.split('=', 1)[0]!;
    if (name === '--on' || (target === null && (JOB_ONLY_WITH_VALUE.has(name) || JOB_ONLY_FLAGS.has(name)))) {
      if (!token.includes('=') && JOB_ONLY_WITH_VALUE.has(name)) i++; // its value
      continue;
    }
    kept.push(token);
  }
  const line = ['%%runlane', ...(target !== null ? ['--on', quoteIfNeeded(target)] : []), ...kept].join(' ');
  return options === null && source === '' ? `${line}\n` : `${line}\n${body}`;
}

function quoteIfNeeded(value: string): string {
  return /^[A-Za-z0-9_.:@/-]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}
