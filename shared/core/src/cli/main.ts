// The `runlane` command line. It reads the store directly (no daemon needed to browse); only
// `serve` and `logs -f` involve the daemon. Exit codes: 0 ok, 1 failure, 2 usage, 3 not found.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RunQuery } from '@runlane/protocol';
import { DaemonError } from '../client/daemonClient.js';
import { assertStoreFolder, findStoreDir, parseRunQuery, StoreError } from '../store/index.js';
import { RUNLANE_VERSION } from '../version.js';
import { followLogs, printLogs } from './logs.js';
import { runDetailText, runTable, table, formatNumber } from './format.js';
import { attach, cancel, launch, targets } from './jobs.js';
import { note, restore } from './runEdits.js';
import { pushCommand } from './push.js';
import { sweepCommand } from './sweep.js';
import { RunSources } from './runSources.js';
import { AmbiguousRunId, matchRunId, storeRunId, trashedRunIds } from './runIds.js';
import { printServerLogs } from './mlflowLogs.js';
import { MlflowError } from '../mlflow/http.js';
import { serve } from './serve.js';
import { histogramText, mediaTable, writeMedia } from './media.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, notFound: 3 } as const;

export class UsageError extends Error {}

const HELP = `runlane ${RUNLANE_VERSION}: experiment tracking in the notebook editor

Usage:
  runlane ls [--json [--pretty]] [--experiment E] [--status S] [--sort FIELD] [--limit N]
  runlane show RUN [--json]
  runlane metrics RUN KEY [--rank N|all] [--json]   rank 0's points by default
  runlane logs RUN [-f] [--stream NAME]
  runlane media RUN [KEY] [--json] [--out DIR]   images and texts (--out writes their files)
  runlane histograms RUN KEY [--rank N] [--json]   the buckets of each step (rank 0's by default)
  runlane launch --on TARGET [--workers N] [--gpus N] [--name N] [--detach] -- COMMAND...
  runlane attach RUN                 follow a job's output until it ends (Ctrl-C cancels it)
  runlane cancel RUN
  runlane note RUN TEXT              set the run's note ("" clears it)
  runlane restore RUN                bring a deleted run back from the store's trash
  runlane targets [--json]           the targets of runlane.toml (and \`local\`), checked
  runlane push RUN... (--mlflow URI | --to NAME)   copy runs to an MLflow server, exactly once
  runlane sweep [--on TARGET] --trials N --metric KEY --param "lr=loguniform(1e-4,1e-1)"... -- COMMAND {lr}
                                     a hyperparameter sweep; runlane sweep --help for its options
  runlane serve [--port N] [--idle-timeout SECONDS]

RUN: a run's id, or the short id the editors show (its last 6 characters), or a unique part of 4+
characters from the start or end of one; a part several runs share is refused, naming them.

Options:
  --dir STORE   the store folder (default: $RUNLANE_DIR, else the nearest .runlane/ up from here)
  --logdir DIR  also read a TensorBoard log directory (repeatable): every folder with event files
                is a run, its id the folder's path relative to DIR (DIR's name for DIR itself); DVCLive
                folders inside it are runs too
  --dvclive DIR also read a DVCLive folder (repeatable): DIR itself (its run id DIR's name, e.g.
                dvclive), or the dvclive/ folders inside it (ids their paths relative to DIR)
  --mlflow URI  also read an MLflow tracking server (ls, show, metrics, logs; repeatable); credentials
                from MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN (docs/mlflow.md)
  -h, --help    this help
  --version     the version
`;

const options = {
  dir: { type: 'string' },
  logdir: { type: 'string', multiple: true },
  dvclive: { type: 'string', multiple: true },
  mlflow: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  pretty: { type: 'boolean' },
  experiment: { type: 'string' },
  status: { type: 'string', multiple: true },
  sort: { type: 'string' },
  order: { type: 'string' },
  limit: { type: 'string' },
  q: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  stream: { type: 'string' },
  out: { type: 'string' },
  port: { type: 'string' },
  on: { type: 'string' },
  workers: { type: 'string' },
  gpus: { type: 'string' },
  name: { type: 'string' },
  detach: { type: 'boolean' },
  rank: { type: 'string' },
  'idle-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

function intOption(values: Values, name: 'port' | 'idle-timeout' | 'workers' | 'gpus'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} takes a whole number, not "${raw}".`);
  return n;
}

/** `--rank N` (one worker's points), `--rank all`, or absent (the primary series: rank 0). */
function rankOption(raw: string | undefined): number | 'all' | undefined {
  if (raw === undefined || raw === 'all') return raw;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`--rank takes a worker rank (0, 1, ...) or "all", not "${raw}".`);
  return n;
}

/** JSON for a person (indented) on a terminal or with --pretty; for a program (a pipe, a file) one
 * line: at 100,000 runs the indentation alone cost a second and a third more bytes to read. */
function jsonText(value: unknown, values: Values): string {
  return values.pretty || process.stdout.isTTY ? JSON.stringify(value, null, 1) : JSON.stringify(value);
}

function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function positional(args: string[], index: number, what: string, usage: string): string {
  const value = args[index];
  if (value === undefined) throw new UsageError(`Missing ${what}. Usage: ${usage}`);
  return value;
}

/**
 * The run sources of --logdir, --dvclive and --mlflow, opened on first use and at most once per
 * command (resolving a short run id and then reading the run pages a server's runs in once), and
 * closed when the command is done (a server's connections).
 */
class Sources {
  private opened: Promise<RunSources> | undefined;

  constructor(
    private readonly storeDir: string,
    private readonly values: Values,
  ) {}

  use<T>(use: (sources: RunSources) => Promise<T>): Promise<T> {
    this.opened ??= RunSources.open(this.storeDir, this.values.logdir, this.values.mlflow, this.values.dvclive);
    return this.opened.then(use);
  }

  async close(): Promise<void> {
    if (this.opened) await (await this.opened.catch(() => null))?.close();
  }
}

/** The commands whose first argument is a RUN, and the ones of them that act on the store alone. */
const RUN_COMMANDS = new Set(['show', 'metrics', 'logs', 'media', 'histograms', 'attach', 'cancel', 'note', 'restore']);
const STORE_ONLY = new Set(['attach', 'cancel', 'note']);

/** The full id a RUN argument stands for (runIds.ts): one the sources list, or a deleted one for restore. */
async function resolveRun(command: string, input: string, storeDir: string, sources: Sources): Promise<string> {
  if (command === 'restore') return matchRunId(input, await trashedRunIds(storeDir));
  if (STORE_ONLY.has(command)) return storeRunId(storeDir, input);
  return sources.use((s) => s.resolveRunId(input));
}

function runQuery(values: Values): RunQuery {
  return parseRunQuery({ experiment: values.experiment, status: values.status, sort: values.sort, order: values.order, limit: values.limit, q: values.q });
}

async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'push') return pushCommand(argv.slice(1)); // its own options (docs/mlflow.md)
  if (argv[0] === 'sweep') return sweepCommand(argv.slice(1)); // its own options (docs/sweeps.md)
  const { values, positionals } = parse(argv);
  if (values.version) return write(RUNLANE_VERSION), EXIT.ok;
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') return write(HELP), EXIT.ok;
  const storeDir = values.dir ?? findStoreDir(process.cwd());
  await assertStoreFolder(storeDir); // a TensorBoard or project folder is named as what it is, and left alone
  const sources = new Sources(storeDir, values);
  try {
    // The one place a RUN argument is read: every command below gets the full id.
    if (RUN_COMMANDS.has(command) && args[0] !== undefined) args[0] = await resolveRun(command, args[0], storeDir, sources);
    return await runCommand(command, args, storeDir, values, sources);
  } finally {
    await sources.close();
  }
}

async function runCommand(command: string, args: string[], storeDir: string, values: Values, sources: Sources): Promise<number> {
  switch (command) {
    case 'serve':
      return serve({ storeDir, port: intOption(values, 'port'), idleTimeout: intOption(values, 'idle-timeout') });
    case 'ls': {
      const runs = await sources.use((s) => s.listRuns(runQuery(values)));
      if (values.json) write(jsonText(runs, values));
      else write(runs.length ? runTable(runs) : `No runs in ${storeDir} yet. Log one with \`import runlane as rl; rl.log(loss=0.1)\`.`);
      return EXIT.ok;
    }
    case 'show': {
      const id = positional(args, 0, 'the run id', 'runlane show RUN [--json]');
      const detail = await sources.use((s) => s.readRunDetail(id));
      write(values.json ? jsonText(detail, values) : runDetailText(detail));
      return EXIT.ok;
    }
    case 'metrics': {
      const usage = 'runlane metrics RUN KEY [--rank N|all] [--json]';
      const id = positional(args, 0, 'the run id', usage);
      const key = positional(args, 1, 'the metric key', usage);
      const points = await sources.use((s) => s.readRankedPoints(id, key, rankOption(values.rank)));
      if (values.json) {
        write(JSON.stringify(points));
      } else {
        const row = (p: (typeof points)[number]) => [String(p.step), formatNumber(p.value), new Date(p.time * 1000).toISOString()];
        // The rank column only where a worker's rank is known (a job's run).
        write(points.some((p) => p.rank !== null)
          ? table(['RANK', 'STEP', 'VALUE', 'TIME'], points.map((p) => [p.rank === null ? '-' : String(p.rank), ...row(p)]))
          : table(['STEP', 'VALUE', 'TIME'], points.map(row)));
      }
      return EXIT.ok;
    }
    case 'logs': {
      const id = positional(args, 0, 'the run id', 'runlane logs RUN [-f] [--stream NAME]');
      if (values.mlflow?.length) {
        const code = await sources.use(async (s) => {
          const server = await s.serverOf(id);
          return server ? printServerLogs(server, id, values.stream, values.follow ?? false) : null;
        });
        if (code !== null) return code;
      }
      return values.follow ? followLogs(storeDir, id, values.stream) : printLogs(storeDir, id, values.stream);
    }
    case 'media': {
      const id = positional(args, 0, 'the run id', 'runlane media RUN [KEY] [--json] [--out DIR]');
      return sources.use(async (s) => {
        const media = await s.mediaOf(id);
        const items = await media.media(id, args[1]);
        if (values.out !== undefined) {
          const files = await writeMedia(media, id, items, values.out);
          write(`Wrote ${files.length} file${files.length === 1 ? '' : 's'} to ${values.out}.`);
        } else if (values.json) write(jsonText(items, values));
        else write(items.length ? mediaTable(items) : `Run ${id} has no images or texts${args[1] === undefined ? '' : ` under the key "${args[1]}"`}.`);
        return EXIT.ok;
      });
    }
    case 'histograms': {
      const usage = 'runlane histograms RUN KEY [--rank N] [--json]';
      const id = positional(args, 0, 'the run id', usage);
      const key = positional(args, 1, 'the histogram key', usage);
      const rank = rankOption(values.rank);
      if (rank === 'all') throw new UsageError('runlane histograms shows one rank at a time: --rank N (0, 1, ...).');
      return sources.use(async (s) => {
        const series = await (await s.mediaOf(id)).histograms(id, key, rank);
        if (values.json) write(jsonText(series, values));
        else write(series.steps.length ? histogramText(series) : `Run ${id} has no histogram "${key}".`);
        return EXIT.ok;
      });
    }
    case 'launch': {
      if (!values.on) throw new UsageError('Say where the job runs: runlane launch --on TARGET -- COMMAND... (see `runlane targets`).');
      if (args.length === 0) throw new UsageError('Missing the command. Usage: runlane launch --on TARGET -- python train.py');
      return launch({
        storeDir,
        target: values.on,
        command: args,
        workers: intOption(values, 'workers') ?? 1,
        gpus: intOption(values, 'gpus') ?? 0,
        name: values.name,
        experiment: values.experiment,
        detach: values.detach ?? false,
      });
    }
    case 'attach':
      return attach(storeDir, positional(args, 0, 'the run id', 'runlane attach RUN'));
    case 'cancel':
      return cancel(storeDir, positional(args, 0, 'the run id', 'runlane cancel RUN'));
    case 'targets':
      return targets(storeDir, values.json ?? false);
    case 'note':
      return note(storeDir, positional(args, 0, 'the run id', 'runlane note RUN TEXT'), positional(args, 1, 'the text', 'runlane note RUN TEXT ("" clears the note)'));
    case 'restore':
      return restore(storeDir, positional(args, 0, 'the run id', 'runlane restore RUN'));
    default:
      throw new UsageError(`Unknown command "${command}". Run \`runlane --help\` for the commands.`);
  }
}

/** `runlane ls | head`: the reader closing the pipe early means it has read all it wants, so the
 * command ends at once with exit 0 and no message (as `git log | head` does), instead of an
 * unhandled EPIPE stack trace. Installed once per process, for every command that prints. */
function endQuietlyWhenReaderLeaves(): void {
  if (process.stdout.listeners('error').includes(onStdoutError)) return;
  process.stdout.on('error', onStdoutError);
}

function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(EXIT.ok);
  throw err; // any other failure to write stays loud
}

/** Runs the CLI and returns its exit code; errors a person can fix are printed as one sentence. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyWhenReaderLeaves();
  try {
    return await run(argv);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`runlane: ${message}\n`);
    if (err instanceof UsageError || err instanceof AmbiguousRunId || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) return EXIT.usage;
    if (err instanceof StoreError && err.code === 'bad_query') return EXIT.usage;
    if (err instanceof StoreError && err.code === 'not_found') return EXIT.notFound;
    if (err instanceof StoreError && err.code === 'not_a_store') return EXIT.usage;
    if (err instanceof MlflowError) return err.code === 'not_found' ? EXIT.notFound : err.code === 'bad_request' ? EXIT.usage : EXIT.failure;
    if (err instanceof DaemonError && err.status === 404) return EXIT.notFound;
    if (err instanceof DaemonError && err.status === 400) return EXIT.usage;
    return EXIT.failure;
  }
}
