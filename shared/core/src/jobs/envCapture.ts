// A script job's environment (env.json: Python, packages, git, host, GPUs), recorded by rank 0 beside
// the user's command: `python -m runlane.worker --env SCRIPT`, with the job's own Python, so it
// describes what the job runs with. A notebook cell's worker records it itself.
import { isPythonProgram, pythonScriptArg } from './jobScript.js';
import { shellQuote } from './shellQuote.js';

/** Shell text for the workers' wrappers (quoted here), or undefined when the command is not Python. */
export function envCaptureCommand(command: string[], pythonPath?: string): string | undefined {
  const [program, ...args] = command;
  if (!isPythonProgram(program)) return undefined;
  if (args[0] === '-m' && args[1] === 'runlane.worker') return undefined;
  const script = pythonScriptArg(command);
  const argv = [program, '-m', 'runlane.worker', '--env', ...(script ? [script] : [])].map(shellQuote).join(' ');
  // The helper may not be installed in the job's Python: the daemon's copy is put on its path.
  return pythonPath ? `PYTHONPATH=${shellQuote(pythonPath)}\${PYTHONPATH:+:$PYTHONPATH} ${argv}` : argv;
}

/** The wrappers' line that starts it in the background, detached from the worker's output. */
export const START_ENV_CAPTURE = '[ -n "$RUNLANE_ENV_CAPTURE" ] && (eval "$RUNLANE_ENV_CAPTURE" </dev/null >/dev/null 2>&1 &); unset RUNLANE_ENV_CAPTURE';
