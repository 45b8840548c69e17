// The Python script a job runs (`python train.py --lr 0.1`): recorded as the run's source and its
// `script` (meta.json), so a script job is one run with its code, like a script run of the helper,
// and the editors can open it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Source files larger than this are not copied into the run (a generated file, not a script). */
const MAX_SCRIPT_BYTES = 1 << 20;

/** Whether a command's program is a Python interpreter (`python`, `python3.11`, `/venv/bin/python`). */
export function isPythonProgram(program: string | undefined): program is string {
  return program !== undefined && /^python(\d+(\.\d+)*)?$/.test(path.basename(program));
}

/** The `.py` argument of a Python command (`python3 train.py ...`, not `-m module`), as written. */
export function pythonScriptArg(command: string[]): string | undefined {
  const [program, ...args] = command;
  if (!isPythonProgram(program)) return undefined;
  if (args[0] === '-m') return undefined;
  return args.find((a) => a.endsWith('.py'));
}

/** The script's absolute path and text, when the command runs a Python script found on this machine. */
export async function readJobScript(command: string[], cwd: string): Promise<{ path: string; source: string } | null> {
  const arg = pythonScriptArg(command);
  if (arg === undefined) return null;
  const file = path.resolve(cwd, arg);
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile() || stat.size > MAX_SCRIPT_BYTES) return null;
    return { path: file, source: await fs.readFile(file, 'utf8') };
  } catch {
    return null; // on another machine only (an SSH host's own file): the command is the source
  }
}
