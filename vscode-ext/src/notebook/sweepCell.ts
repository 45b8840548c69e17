// A `%%runlane sweep ...` cell under the Runlane jobs controller: there is no kernel to run the magic,
// so the kernel helper's `python -m runlane.sweep.editor` checks the line and the space exactly as the
// magic would and submits the sweep to the daemon; the controller then follows the sweep run like any
// job (its logs are the sweep's lines). The cell travels as JSON on stdin, never through a shell.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { magicTarget } from '@runlane/ui';

export interface SweepRequest {
  /** The options after `%%runlane sweep` (the magic's own parser reads them). */
  line: string;
  body: string;
  store: string;
  cwd?: string;
  /** The default name ("nb.ipynb cell 3": the sweep is "sweep nb.ipynb cell 3" unless --name says). */
  name: string;
  experiment: string;
  cell: { notebook: string | null; cell_id: string | null; source: string; execution_count: number | null };
  /**
   * The runlane.toml the notebook's job cells use (targetsFor.ts: its folder's own first); the sweep
   * and every trial look their target up there. Absent: the daemon's rule (beside the store).
   */
  targetsFile?: string;
}

export interface StartedSweep {
  run_id: string;
  name: string;
  experiment: string;
}

/**
 * The options of a sweep cell's first line, after `%%runlane sweep`. Without `--on`, the controller's
 * default target (`runlane.jobs.defaultTarget`), as for its job cells: the same cell runs where the
 * notebook's other cells do.
 */
export function sweepLine(source: string, defaultTarget: string | null = null): string {
  const line = source.split('\n', 1)[0]!.replace(/^%%runlane\s+sweep\b/, '').trim();
  if (defaultTarget === null || magicTarget(source) !== null) return line;
  // Read by Python's shlex: inside double quotes a backslash escapes only `"` and `\`.
  return `--on "${defaultTarget.replace(/(["\\])/g, '\\$1')}"${line ? ` ${line}` : ''}`;
}

/** Starts the sweep; rejects with the helper's one sentence (a bad space, an unknown target...). */
export function startSweep(python: string, helperDir: string, request: SweepRequest, env: NodeJS.ProcessEnv = process.env): Promise<StartedSweep> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      ['-m', 'runlane.sweep.editor'],
      { cwd: request.cwd, env: { ...env, PYTHONPATH: [helperDir, env.PYTHONPATH].filter(Boolean).join(path.delimiter) }, timeout: 120_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (!err) {
          try {
            return resolve(JSON.parse(stdout.trim().split('\n').pop()!) as StartedSweep);
          } catch {
            return reject(new Error(`The sweep helper gave no sweep run (${stdout.trim() || 'no output'}).`));
          }
        }
        const said = stderr.trim();
        // A package missing from that Python (Optuna, runlane itself): the message says to install it
        // "in the Python that runs the sweep", which is the editor's choice, so it is named here.
        const which = /Optuna|No module named|ModuleNotFoundError/.test(said) ? `\n${pythonChoiceText(python)}` : '';
        reject(new Error(`${said || `The sweep could not start: ${err.message}`}${which}`));
      },
    );
    // `pythonpath`: the controller and the trials import this helper as the editor's job cells do.
    child.stdin?.end(JSON.stringify({ ...request, pythonpath: helperDir }));
  });
}

/** The best trial of an ended sweep (`sweep/result.json`), as the cell's last line; null when none. */
export function sweepBestText(store: string, runId: string): string | null {
  try {
    const result = JSON.parse(readFileSync(path.join(store, 'runs', runId, 'sweep', 'result.json'), 'utf8')) as { best?: unknown };
    return result.best ? JSON.stringify(result.best) : null;
  } catch {
    return null;
  }
}

/** Which Python the editor ran, and how to choose another, for a message about a missing package. */
export function pythonChoiceText(python: string): string {
  const found = python === 'python3' ? 'python3, the first on the editor\'s PATH' : python;
  return `The Python used here: ${found}. To use another (one with Optuna and your packages), set runlane.pythonPath.`;
}
