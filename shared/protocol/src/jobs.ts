// Jobs: a command run as N workers on a target (local GPUs, an SSH host, Slurm), tracked as a run.

/** The kinds of target jobs run on: each has its launcher in shared/core/src/jobs/launchers/. */
export const TARGET_KINDS = ['local', 'ssh', 'slurm', 'ray'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetInfo {
  name: string;
  kind: TargetKind;
  /** GPUs the target offers (local: ids; others: as declared). */
  gpus: string[];
  /** Whether the target answered its check, and what was seen or went wrong, as a sentence. */
  ok: boolean;
  detail: string;
  /** SSH and Ray targets: the Python on the host or cluster (a job that runs Python there uses it). */
  python?: string;
}

export interface JobSpec {
  target: string;
  /** argv of each worker: never run through a shell. */
  command: string[];
  workers: number;
  gpusPerWorker: number;
  name?: string;
  experiment?: string;
  cwd?: string;
  env?: Record<string, string>;
  /**
   * A local folder of inputs (a notebook cell's body and variables, a script and its files). It is
   * copied into the run (`input/`, so a re-run has it) and, for SSH, to the host; workers find it
   * at $RUNLANE_INPUT_DIR.
   */
  input?: string;
  /** The notebook cell the job runs, so that its run is linked to the cell like a kernel's runs are. */
  cell?: JobCell;
  /** The runlane.toml to find the target in (absolute); default: the one beside the store. */
  targetsFile?: string;
  /** Recorded as the run's params beside target and workers (a cell job's `--with` variables). */
  params?: Record<string, unknown>;
  /** Tags the run has from its creation (a sweep's trials: their sweep and number), tag -> text. */
  tags?: Record<string, string>;
}

export interface JobCell {
  /** The notebook's absolute path. */
  notebook: string | null;
  cell_id: string | null;
  /** The cell's source as written (with its %%runlane line); the run's source, diffed across its runs. */
  source?: string | null;
  execution_count?: number | null;
}

export interface JobCreated {
  run_id: string;
  status: 'queued' | 'running';
}
