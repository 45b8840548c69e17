// package.json's contributes and the id constants agree both ways, and the code names ids only
// through the constants (a literal id elsewhere is how a renamed command silently stops working).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CommandIds, ContainerIds, ContextKeys, InternalCommandIds, JobsControllerId, PanelTypes, RendererIds, StatusItemId, ViewIds } from './commandIds.js';

const src = path.dirname(fileURLToPath(import.meta.url));
interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string }[];
    viewsContainers: Record<string, { id: string }[]>;
    views: Record<string, { id: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    keybindings: { command: string; when?: string }[];
    notebookRenderer: { id: string }[];
  };
}
const manifest = JSON.parse(readFileSync(path.join(src, '..', 'package.json'), 'utf8')) as Manifest;
const { contributes } = manifest;
const values = (ids: Record<string, string>) => Object.values(ids).sort();
const sorted = (list: string[]) => [...new Set(list)].sort();
const whenClauses = [...Object.values(contributes.menus).flat(), ...contributes.keybindings].flatMap((m) => (m.when ? [m.when] : []));

describe('the id constants and package.json', () => {
  it('declare exactly the same commands, views, view containers, renderers and webview panels', () => {
    expect(sorted(contributes.commands.map((c) => c.command))).toEqual(values(CommandIds));
    expect(sorted(Object.values(contributes.views).flat().map((v) => v.id))).toEqual(values(ViewIds));
    expect(sorted(Object.values(contributes.viewsContainers).flat().map((c) => c.id))).toEqual(values(ContainerIds));
    expect(sorted(Object.keys(contributes.views))).toEqual(values(ContainerIds));
    expect(sorted(contributes.notebookRenderer.map((r) => r.id))).toEqual(values(RendererIds));
    const panels = manifest.activationEvents.flatMap((e) => (e.startsWith('onWebviewPanel:') ? [e.slice('onWebviewPanel:'.length)] : []));
    expect(sorted(panels)).toEqual(values(PanelTypes));
  });

  it('names only known commands, views and context keys in menus, keybindings, when clauses and welcome links', () => {
    const known = new Set<string>(Object.values(CommandIds));
    const used = [...Object.values(contributes.menus).flat(), ...contributes.keybindings].map((m) => m.command);
    const linked = contributes.viewsWelcome.flatMap((w) => [...w.contents.matchAll(/\(command:([\w.-]+)\)/g)].map((m) => m[1] ?? ''));
    expect(linked.length).toBeGreaterThan(0);
    expect([...used, ...linked].filter((c) => !known.has(c))).toEqual([]);
    const views = new Set<string>(Object.values(ViewIds));
    const inWhen = whenClauses.flatMap((w) => [...w.matchAll(/\bview == ([\w.-]+)/g)].map((m) => m[1] ?? ''));
    expect(inWhen.length).toBeGreaterThan(0);
    expect([...inWhen, ...contributes.viewsWelcome.map((w) => w.view)].filter((v) => !views.has(v))).toEqual([]);
    // Our own context keys: `runlane.…` in a when clause that is not a setting (config.runlane.…).
    const keys = whenClauses.flatMap((w) => [...w.matchAll(/(?<![\w.])runlane\.[\w.]+/g)].map((m) => m[0]));
    expect(sorted(keys.filter((k) => !views.has(k)))).toEqual(values(ContextKeys));
  });
});

/** Every .ts file under vscode-ext/src, tests included. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('the code', () => {
  it('spells no command, view, panel, renderer, context key or status item id itself: it uses the constants', () => {
    const ids = new Set<string>([...values(CommandIds), ...values(InternalCommandIds), ...values(ViewIds), ...values(PanelTypes), ...values(RendererIds), ...values(ContextKeys), StatusItemId, JobsControllerId]);
    const viewIds = values(ViewIds);
    const own = new Set([path.join(src, 'commandIds.ts'), path.join(src, 'commandIds.test.ts')]);
    const found: string[] = [];
    for (const file of sources(src).filter((f) => !own.has(f))) {
      // A settings section may share a panel's name (runlane.charts): settings are not ids.
      const text = readFileSync(file, 'utf8').replace(/getConfiguration\((['"`])[^'"`]*\1\)/g, '');
      for (const [, , literal = ''] of text.matchAll(/(['"`])(runlane[\w.-]*)\1/g)) {
        if (ids.has(literal) || viewIds.some((v) => literal.startsWith(`${v}.`))) found.push(`${path.relative(src, file)}: '${literal}'`);
      }
    }
    expect(found).toEqual([]);
  });
});
