// "Run Cell as Experiment" writes what it does into the cell: a first line `%%runlane` (this kernel)
// or `%%runlane --on TARGET` (a job), so the notebook records that the cell is an experiment and runs
// the same in any Jupyter frontend. What the user wrote on the line is theirs: every option stays
// unless they picked a different value for it. The one exception is a cell moved from a job back to
// the kernel, where the kernel refuses job-only options; `droppedOptions` names those, so the picker
// can say so before anything is rewritten. A line with a subcommand (`%%runlane sweep ...`) is another
// magic: its word stays first, "this kernel" leaves it as written (the kernel starts the sweep, whose
// options are its own), and a picked target only sets its `--on`.

const JOB_ONLY_WITH_VALUE = new Set(['--on', '--workers', '--gpus', '--with']);
const JOB_ONLY_FLAGS = new Set(['--detach']);
const TOKEN = /"(?:[^"\\]|\\.)*"|'[^']*'|\S+/g;

/** The `%%runlane` options of a cell's first line, or null when the cell does not start with the magic. */
export function magicOptions(source: string): string[] | null {
  const first = source.split('\n', 1)[0]!;
  if (!/^%%runlane(\s|$)/.test(first)) return null;
  return first.slice('%%runlane'.length).match(TOKEN) ?? [];
}

/** The value of one option of the magic line (`--on x`, `--on=x`, `--on "a b"`), unquoted; null when absent. */
export function magicOption(source: string, flag: string): string | null {
  const options = magicOptions(source) ?? [];
  const at = options.findIndex((o) => o === flag || o.startsWith(`${flag}=`));
  if (at < 0) return null;
  const raw = options[at]!.includes('=') ? options[at]!.slice(flag.length + 1) : (options[at + 1] ?? '');
  return unquote(raw);
}

/** The subcommand of the magic line (`sweep` in `%%runlane sweep --on x`), or null (a plain run or job cell). */
export function magicSubcommand(source: string): string | null {
  const first = magicOptions(source)?.[0];
  return first !== undefined && !first.startsWith('-') && !/^["']/.test(first) ? first : null;
}

/** The target the cell's magic line runs it on (`--on`), or null (the kernel, or no magic). */
export function magicTarget(source: string): string | null {
  return magicOption(source, '--on');
}

/** What a cell's `%%runlane` line asks for, read once for every editor; numbers as written (NaN if not one). */
export interface MagicLine {
  /** `sweep` for `%%runlane sweep ...` (a cell of its own kind, not a job cell), else null. */
  subcommand: string | null;
  /** `--on`: a target name, or null (this kernel). */
  target: string | null;
  workers: number | null;
  gpus: number | null;
  name: string | null;
  experiment: string | null;
  /** The cell without its magic line. */
  body: string;
}

/** The cell's `%%runlane` line, read; null when the cell does not start with the magic. */
export function readMagicLine(source: string): MagicLine | null {
  if (magicOptions(source) === null) return null;
  const value = (flag: string) => magicOption(source, flag);
  const number = (flag: string) => {
    const raw = value(flag);
    return raw === null ? null : Number(raw);
  };
  const newline = source.indexOf('\n');
  return {
    subcommand: magicSubcommand(source),
    target: value('--on'),
    workers: number('--workers'),
    gpus: number('--gpus'),
    name: value('--name'),
    experiment: value('--experiment'),
    body: newline < 0 ? '' : source.slice(newline + 1),
  };
}

/** Values the user picked in a dialog; each replaces the option of the same name, the others stay. */
export interface MagicChoice {
  /** A target name, or null for this kernel. */
  target: string | null;
  workers?: number;
  gpus?: number;
  name?: string;
  experiment?: string;
}

/** The options of the line that running in the kernel would drop (job-only ones), as the user wrote them. */
export function droppedOptions(source: string, target: string | null): string[] {
  if (target !== null || magicSubcommand(source) !== null) return [];
  const dropped: string[] = [];
  const list = magicOptions(source) ?? [];
  for (let i = 0; i < list.length; i++) {
    const name = list[i]!.split('=', 1)[0]!;
    if (name === '--on') {
      if (!list[i]!.includes('=')) i++;
    } else if (JOB_ONLY_FLAGS.has(name)) dropped.push(list[i]!);
    else if (JOB_ONLY_WITH_VALUE.has(name)) dropped.push(list[i]!.includes('=') ? list[i]! : `${list[i]} ${list[++i] ?? ''}`.trim());
  }
  return dropped;
}

/**
 * The cell's source with its first line set to run as an experiment in the kernel (target null) or on
 * a target, merged with what is there: options the choice does not set are kept as written.
 */
export function withRunlaneMagic(source: string, choice: string | null | MagicChoice): string {
  const picked: MagicChoice = choice !== null && typeof choice === 'object' ? choice : { target: choice };
  const subcommand = magicSubcommand(source);
  // A sweep has no "in this kernel" form: the kernel runs its magic as written.
  const target = subcommand !== null && picked.target === null ? magicTarget(source) : picked.target;
  if (subcommand !== null && target === null && picked.name === undefined && picked.experiment === undefined) return source;
  const options = magicOptions(source);
  const body = options === null ? source : source.slice(source.split('\n', 1)[0]!.length + 1);
  const set: [string, string][] = [];
  if (target !== null) set.push(['--on', quoteIfNeeded(target)]);
  if (picked.workers !== undefined && target !== null && subcommand === null) set.push(['--workers', String(picked.workers)]);
  if (picked.gpus !== undefined && target !== null) set.push(['--gpus', String(picked.gpus)]);
  if (picked.name !== undefined) set.push(['--name', quoteIfNeeded(picked.name)]);
  if (picked.experiment !== undefined) set.push(['--experiment', quoteIfNeeded(picked.experiment)]);
  const values = new Map(set);
  const kept: string[] = [];
  const list = (options ?? []).slice(subcommand !== null ? 1 : 0);
  for (let i = 0; i < list.length; i++) {
    const token = list[i]!;
    const name = token.split('=', 1)[0]!;
    const jobOnlyInKernel = target === null && subcommand === null && (JOB_ONLY_WITH_VALUE.has(name) || JOB_ONLY_FLAGS.has(name));
    if (name === '--on' || values.has(name) || jobOnlyInKernel) {
      if (!token.includes('=') && (JOB_ONLY_WITH_VALUE.has(name) || values.has(name))) i++; // its value
      // A picked value takes the place of the one it replaces, so the line reads as the user wrote it.
      if (name !== '--on' && values.has(name)) {
        kept.push(name, values.get(name)!);
        values.delete(name);
      }
      continue;
    }
    kept.push(token);
  }
  values.delete('--on');
  const line = ['%%runlane', ...(subcommand !== null ? [subcommand] : []), ...(target !== null ? ['--on', quoteIfNeeded(target)] : []), ...kept, ...[...values].flat()].join(' ');
  return options === null && source === '' ? `${line}\n` : `${line}\n${body}`;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(.)/g, '$1');
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  return value;
}

function quoteIfNeeded(value: string): string {
  return /^[A-Za-z0-9_.:@/-]+$/.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
}
