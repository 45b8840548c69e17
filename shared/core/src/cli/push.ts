// `runlane push RUN... --mlflow URI | --to NAME`: local runs onto a team's MLflow tracking server,
// exactly once (docs/mlflow.md "Pushing and syncing"). Progress on stderr, one final line per run on
// stdout: the server's run id, its page in the MLflow UI, the points pushed.
import { parseArgs } from 'node:util';
import { findStoreDir } from '../store/index.js';
import { MlflowError, MlflowHttp } from '../mlflow/http.js';
import { pushPatiently, readRunFacts } from '../mlflow/pushRun.js';
import { resolveStoreUri } from '../mlflow/syncTargets.js';
import { AmbiguousRunId, storeRunId } from './runIds.js';

const USAGE = 'runlane push RUN... (--mlflow URI | --to NAME) [--dir STORE]';

/** How long a push waits for a server that is down or failing before it gives up (and can be run again). */
const PATIENCE_MS = 5 * 60_000;

export class PushUsageError extends Error {}

function progressWriter(runId: string): (p: { pushed: number; total: number }) => void {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return ({ pushed, total }) => {
    const now = Date.now();
    // A terminal gets one line rewritten in place; a log gets a line every 2 s at most.
    if (!tty && now - last < 2000 && pushed < total) return;
    last = now;
    const line = `${runId}: ${pushed.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} points`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
}

/** Runs `runlane push` with its own arguments (after the word `push`); returns the exit code (2: usage). */
export async function pushCommand(argv: string[]): Promise<number> {
  try {
    return await push(argv);
  } catch (err) {
    process.stderr.write(`runlane: ${(err as Error).message}\n`);
    const usage = err instanceof PushUsageError || err instanceof AmbiguousRunId || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || err instanceof MlflowError;
    return usage ? 2 : 1;
  }
}

async function push(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { mlflow: { type: 'string' }, to: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`Usage: ${USAGE}\nPushes each run to an MLflow tracking server: again after a crash or an outage, only what the server lacks.\nCredentials: MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN.\n`);
    return 0;
  }
  if (positionals.length === 0) throw new PushUsageError(`Say which runs to push: ${USAGE} (\`runlane ls\` lists the run ids).`);
  if ((values.mlflow === undefined) === (values.to === undefined)) {
    throw new PushUsageError(`Say where to push with one of --mlflow URI (a tracking server's http(s) address) or --to NAME (a [stores.NAME] of runlane.toml): ${USAGE}`);
  }
  const storeDir = values.dir ?? findStoreDir(process.cwd());
  // Short ids as the editors show them; all resolved before anything is pushed (runIds.ts).
  const runIds: string[] = [];
  for (const p of positionals) runIds.push(await storeRunId(storeDir, p));
  const uri = values.mlflow ?? resolveStoreUri(storeDir, values.to!);
  const http = new MlflowHttp(uri);
  let failed = 0;
  try {
    for (const runId of runIds) {
      try {
        const facts = await readRunFacts(storeDir, runId);
        const result = await pushPatiently(http, facts, {
          onProgress: progressWriter(runId),
          files: 'always',
          patienceMs: PATIENCE_MS,
          onWait: (err, ms) => process.stderr.write(`runlane: ${runId}: ${err.message} Trying again in ${Math.round(ms / 1000)} s.\n`),
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stdout.write(`${runId} -> ${result.serverRunId}  ${result.url}  (${result.points.toLocaleString('en-US')} points pushed)\n`);
      } catch (err) {
        failed++;
        process.stderr.write(`runlane: ${runId} was not pushed: ${(err as Error).message}\n`);
      }
    }
  } finally {
    http.close();
  }
  return failed === 0 ? 0 : 1;
}
