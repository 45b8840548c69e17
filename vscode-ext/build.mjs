// Builds the extension: esbuild bundles for the extension host (CommonJS, `vscode` external), for the
// webviews (one script for the Charts and Run-details pages) and for the run-link renderer, the
// Runlane CLI (the daemon, run with VS Code's own Node), and the pure-Python helper that job workers
// import (and, as a project, that users install). `--package` also makes the .vsix with vsce.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = path.join(here, 'dist');
const common = { bundle: true, logLevel: 'warning', legalComments: 'none', sourcemap: false };

rmSync(dist, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: [path.join(here, 'src/extension.ts')], outfile: path.join(dist, 'extension.js'), platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], minify: true }),
  build({ ...common, entryPoints: [path.join(here, 'src/webview/main.ts')], outfile: path.join(dist, 'webview.js'), platform: 'browser', format: 'iife', target: 'es2022', minify: true }),
  // The notebook renderer of run links in cell outputs: an ES module VS Code loads in the output frame.
  build({ ...common, entryPoints: [path.join(here, 'src/renderer/runRenderer.ts')], outfile: path.join(dist, 'renderer.js'), platform: 'browser', format: 'esm', target: 'es2022', minify: true }),
  build({ ...common, entryPoints: [path.join(root, 'shared/core/src/cli/bin.ts')], outfile: path.join(dist, 'runlane.cjs'), platform: 'node', format: 'cjs', target: 'node20' }),
  build({ ...common, entryPoints: [path.join(root, 'shared/core/src/formats/tfevents/readWorker.ts')], outfile: path.join(dist, 'runlane-tfevents-worker.cjs'), platform: 'node', format: 'cjs', target: 'node20' }),
  build({ ...common, entryPoints: [path.join(root, 'shared/core/src/store/scanWorker.ts')], outfile: path.join(dist, 'runlane-scan-worker.cjs'), platform: 'node', format: 'cjs', target: 'node20' }),
  build({ ...common, entryPoints: [path.join(root, 'shared/core/src/jobs/holdOutputMain.ts')], outfile: path.join(dist, 'runlane-hold-output.cjs'), platform: 'node', format: 'cjs', target: 'node20' }),
]);
mkdirSync(path.join(dist, 'python'), { recursive: true });
cpSync(path.join(root, 'shared/kernel-helper/src/runlane'), path.join(dist, 'python', 'runlane'), {
  recursive: true,
  filter: (src) => !/(__pycache__|_node)$/.test(src),
});

// The helper as an installable project ("Install runlane into My Python": pip install of this folder).
const helper = path.join(dist, 'helper');
for (const file of ['pyproject.toml', 'README.md']) cpSync(path.join(root, 'shared/kernel-helper', file), path.join(helper, file));
cpSync(path.join(root, 'shared/kernel-helper/src/runlane'), path.join(helper, 'src', 'runlane'), { recursive: true, filter: (src) => !/__pycache__$/.test(src) });

if (process.argv.includes('--package')) {
  const vsce = path.join(root, 'node_modules', '.bin', 'vsce');
  // vsce lists every file it packs; only its last line (where the .vsix went) is worth printing.
  const out = execFileSync(vsce, ['package', '--no-dependencies', '-o', path.join(dist, 'runlane-vscode.vsix')], { cwd: here, encoding: 'utf8' });
  console.log(out.trim().split('\n').pop());
}
