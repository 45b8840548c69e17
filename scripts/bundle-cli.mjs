// Bundles the runlane CLI (shared/core) into one CommonJS file shipped inside the Python package,
// so `runlane` works from the Python venv (and later from the pip-installed extension) with only Node.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [path.join(root, 'shared/core/src/cli/bin.ts')],
  outfile: path.join(root, 'shared/kernel-helper/src/runlane/_node/runlane.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
});
// The TensorBoard reader's worker thread, found beside the CLI bundle (shared/core/src/formats/tfevents/readPool.ts).
await build({
  entryPoints: [path.join(root, 'shared/core/src/formats/tfevents/readWorker.ts')],
  outfile: path.join(root, 'shared/kernel-helper/src/runlane/_node/runlane-tfevents-worker.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
});
// The run index's first-open readers (shared/core/src/store/scanPool.ts), beside the CLI bundle too.
await build({
  entryPoints: [path.join(root, 'shared/core/src/store/scanWorker.ts')],
  outfile: path.join(root, 'shared/kernel-helper/src/runlane/_node/runlane-scan-worker.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
});
