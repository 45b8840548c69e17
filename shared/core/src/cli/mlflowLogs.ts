// `runlane logs RUN --mlflow URI` for a run on an MLflow server: MLflow keeps no output of a run, so
// only the logs Runlane pushed with it (artifacts under runlane/logs/) can be printed; otherwise say so.
import { StoreError } from '../store/index.js';
import type { MlflowSource } from '../mlflow/mlflowSource.js';

export async function printServerLogs(server: MlflowSource, id: string, only: string | undefined, follow: boolean): Promise<number> {
  if (follow) throw new StoreError('bad_query', `Run "${id}" is on the MLflow server ${server.dir}, which keeps no live output: \`runlane logs -f\` follows local runs only. Leave out -f to print the logs Runlane pushed with it.`);
  const detail = await server.detail(id);
  const logs = detail.logs.filter((l) => only === undefined || l.stream === only);
  if (logs.length === 0) {
    const what = only === undefined ? 'no logs' : `no "${only}" log`;
    throw new StoreError('not_found', `Run "${id}" on ${server.dir} has ${what}: MLflow keeps none of a run's output; only runs pushed by Runlane carry theirs (as artifacts under runlane/logs/). \`runlane show ${id} --mlflow ${server.dir}\` lists what the run has.`);
  }
  for (const l of logs) {
    const { bytes } = await server.log(id, l.writer, l.stream, 0, Infinity);
    const target = l.stream.endsWith('stderr') ? process.stderr : process.stdout;
    await new Promise<void>((resolve) => target.write(bytes, () => resolve()));
  }
  return 0;
}
