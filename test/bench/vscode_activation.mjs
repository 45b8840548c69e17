// The VS Code extension's activation time: loading the bundled dist/extension.js and running its
// activate(), as VS Code does, with the `vscode` module given as a recording stub (every API call
// answers at once, so what is measured is the extension's own work). Target: <= 50 ms.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = path.resolve(here, '../../vscode-ext/dist/extension.js');
const RUNS = 5;

/** Any property is another stub, any call or `new` returns one: the whole API surface, doing nothing. */
function stub(name = 'vscode') {
  const fn = function () {};
  return new Proxy(fn, {
    get: (_t, prop) => {
      if (prop === 'then') return undefined; // not a promise
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === 'workspaceFolders') return [{ uri: { fsPath: workspace } }];
      if (prop === 'get') return (_k, fallback) => fallback;
      if (prop === 'fsPath') return extensionDir;
      return stub(`${name}.${String(prop)}`);
    },
    set: () => true, // assignments (a tree's title, an item's text) are accepted and forgotten
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-activation-'));
const workspace = path.join(tmp, 'ws');
const extensionDir = path.dirname(path.dirname(bundle));
mkdirSync(workspace);
writeFileSync(path.join(workspace, 'README.md'), '');
// The module's namespaces as own properties (the bundle copies them, as `import * as vscode` does).
const API = ['window', 'workspace', 'commands', 'notebooks', 'env', 'Uri', 'EventEmitter', 'TreeItem', 'TreeItemCollapsibleState', 'ThemeIcon', 'ThemeColor',
  'StatusBarAlignment', 'ViewColumn', 'ColorThemeKind', 'NotebookCellOutput', 'NotebookCellOutputItem', 'NotebookCellKind', 'NotebookRange',
  'NotebookEditorRevealType', 'WorkspaceEdit', 'Range', 'ConfigurationTarget'];
const vscode = Object.fromEntries(API.map((k) => [k, stub(`vscode.${k}`)]));
const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

const times = [];
for (let i = 0; i < RUNS; i++) {
  delete Module._cache[bundle];
  const start = performance.now();
  const extension = Module.createRequire(import.meta.url)(bundle);
  extension.activate({ subscriptions: [], extensionUri: stub('extensionUri'), globalState: stub(), workspaceState: stub() });
  times.push(performance.now() - start);
}
rmSync(tmp, { recursive: true, force: true });
const first = times[0];
const warm = times.slice(1).sort((a, b) => a - b)[Math.floor((times.length - 1) / 2)];
console.log('\nVS Code extension activation (bundled dist/extension.js, require + activate)');
console.log(`first load (cold module cache)   ${first.toFixed(1)} ms   target <= 50 ms`);
console.log(`again (median of ${RUNS - 1})              ${warm.toFixed(1)} ms`);
const pass = first <= 50;
console.log(`activation_le_50ms: ${pass ? 'PASS' : 'FAIL'}`);
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'vscode_activation.json'), `${JSON.stringify({ figures: { first_ms: first, repeat_median_ms: warm }, targets: { activation_le_50ms: pass }, machine: { cpus: os.cpus().length, date: new Date().toISOString() } }, null, 1)}\n`);
process.exit(0);
