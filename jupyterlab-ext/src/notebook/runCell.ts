// "Run Cell as Experiment": picks where the cell runs (this kernel, or a target of runlane.toml),
// writes the matching %%runlane line into the cell, loads the helper in the kernel and runs the cell.
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';
import type { TargetInfo } from '@runlane/protocol';
import type { RunlaneConnection } from '../connection';
import { loadHelper } from './kernelHelper';
import { magicOptions, withRunlaneMagic } from '@runlane/ui';

const KERNEL = '';

/** The cell's current choice: the target named on its %%runlane line, or this kernel. */
function currentTarget(source: string): string {
  const options = magicOptions(source) ?? [];
  const at = options.findIndex((o) => o === '--on' || o.startsWith('--on='));
  if (at < 0) return KERNEL;
  return options[at]!.includes('=') ? options[at]!.split('=')[1]! : (options[at + 1] ?? KERNEL).replace(/^["']|["']$/g, '');
}

/** A small picker: this kernel, then each target with its kind and state. Null when cancelled. */
async function pickTarget(connection: RunlaneConnection, current: string): Promise<string | null> {
  let targets: TargetInfo[] = [];
  let problem = '';
  try {
    targets = await connection.targets();
  } catch (err) {
    problem = (err as Error).message;
  }
  const body = new Widget();
  body.addClass('rl-target-picker');
  const list = document.createElement('div');
  const choices: [string, string, string][] = [[KERNEL, 'This kernel', 'tracked in the notebook’s own kernel'], ...targets.map((t): [string, string, string] => [t.name, t.name, `${t.kind} · ${t.ok ? t.detail : `unavailable: ${t.detail}`}`])];
  for (const [value, label, detail] of choices) {
    const row = document.createElement('label');
    row.className = 'rl-target-choice';
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'rl-target';
    radio.value = value;
    radio.checked = value === current;
    const name = document.createElement('strong');
    name.textContent = label;
    const info = document.createElement('span');
    info.className = 'rl-muted';
    info.textContent = detail;
    row.append(radio, name, info);
    list.appendChild(row);
  }
  if (problem) {
    const note = document.createElement('div');
    note.className = 'rl-muted';
    note.textContent = `Targets could not be listed: ${problem}`;
    list.appendChild(note);
  }
  body.node.appendChild(list);
  const result = await showDialog({
    title: 'Run Cell as Experiment',
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run' })],
    focusNodeSelector: 'input:checked',
  });
  if (!result.button.accept) return null;
  return (body.node.querySelector<HTMLInputElement>('input[name=rl-target]:checked')?.value ?? KERNEL);
}

export async function runCellAsExperiment(panel: NotebookPanel, connection: RunlaneConnection, pick: boolean): Promise<void> {
  const cell = panel.content.activeCell;
  if (!cell || cell.model.type !== 'code') {
    await showDialog({ title: 'Run Cell as Experiment', body: 'Select a code cell first.', buttons: [Dialog.okButton()] });
    return;
  }
  const source = cell.model.sharedModel.getSource();
  const target = pick ? await pickTarget(connection, currentTarget(source)) : currentTarget(source);
  if (target === null) return;
  const updated = withRunlaneMagic(source, target === KERNEL ? null : target);
  if (updated !== source) cell.model.sharedModel.setSource(updated);
  await panel.sessionContext.ready;
  await loadHelper(panel.sessionContext);
  await NotebookActions.run(panel.content, panel.sessionContext);
}
