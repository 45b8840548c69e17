import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { CommandIds, ViewIds } from './commandIds.js';

const manifest = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../package.json'), 'utf8'));

it('declares exactly the commands and views the code registers, and menus name only those', () => {
  const declared = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
  expect(declared).toEqual(Object.values(CommandIds).sort());
  const views = Object.values(manifest.contributes.views).flat().map((v) => (v as { id: string }).id).sort();
  expect(views).toEqual(Object.values(ViewIds).sort());
  const inMenus = Object.values(manifest.contributes.menus).flat().map((m) => (m as { command: string }).command);
  const known = new Set<string>(Object.values(CommandIds));
  expect(inMenus.filter((c) => !known.has(c))).toEqual([]);
  for (const k of manifest.contributes.keybindings) expect(known.has(k.command)).toBe(true);
});
