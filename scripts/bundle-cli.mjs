// Bundles the runlane CLI (shared/core) into one CommonJS file shipped inside the Python package,
// so `runlane` works from the Python venv (and later from the pip-installed extension) with only Node.
// Its worker threads are bundled beside it, where the code that starts them looks for them.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'shared/kernel-helper/src/runlane/_node');

const bundles = [
  ['shared/core/src/cli/bin.ts', 'runlane.cjs'],
  // The TensorBoard reader's worker thread (shared/core/src/formats/tfevents/readPool.ts).
  ['shared/core/src/formats/tfevents/readWorker.ts', 'runlane-tfevents-worker.cjs'],
  // The run index's first-open readers (shared/core/src/store/scanPool.ts).
  ['shared/core/src/store/scanWorker.ts', 'runlane-scan-worker.cjs'],
  // A local job's output holder process (shared/core/src/jobs/localWorkers.ts, heldOutput.ts).
  ['shared/core/src/jobs/holdOutputMain.ts', 'runlane-hold-output.cjs'],
];

await Promise.all(
  bundles.map(([entry, file]) =>
    build({
      entryPoints: [path.join(root, entry)],
      outfile: path.join(out, file),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
      legalComments: 'none',
    }),
  ),
);
