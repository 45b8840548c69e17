// "Run Cell as Experiment": picks where the cell runs (this kernel, or a target of runlane.toml),
// writes the matching %%runlane line into the cell, loads the helper in the kernel and runs the cell.
// The picker starts on what the cell's magic already says, offers only targets that exist and can be
// used (an unusable one says why, in the list, and cannot be picked), and Escape cancels. A cell whose
// choice does not change is run as it is: nothing the user wrote on the magic line is rewritten.
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';
import type { TargetInfo } from '@runlane/protocol';
import type { RunlaneConnection } from '../connection';
import { loadHelper } from './kernelHelper';
import { droppedOptions, KERNEL_CHOICE, magicOptions, magicTarget, targetChoiceText, withRunlaneMagic } from '@runlane/ui';

const KERNEL = '';

/** A small picker: this kernel, then each target with its kind and state. Null when cancelled. */
async function pickTarget(connection: RunlaneConnection, store: string, source: string, current: string): Promise<string | null> {
  let targets: TargetInfo[] = [];
  let problem = '';
  try {
    targets = await connection.targets(store);
  } catch (err) {
    problem = (err as Error).message;
  }
  // A target named by the cell that the list cannot confirm stays a choice only while the list is
  // unknown; one that runlane.toml does not declare is said, and nothing is preselected.
  const unknown = current !== KERNEL && !targets.some((t) => t.name === current);
  if (unknown && problem) targets.push({ name: current, kind: 'local', gpus: [], ok: true, detail: 'named by the cell’s %%runlane line' });
  const body = new Widget();
  body.addClass('rl-target-picker');
  const list = document.createElement('div');
  const choices: [string, string, string, boolean][] = [
    [KERNEL, KERNEL_CHOICE.label, KERNEL_CHOICE.description, true],
    // A row here has one line, so an unusable target says why on it (VS Code's picker has a second line).
    ...targets.map((t): [string, string, string, boolean] => [t.name, t.name, t.ok ? targetChoiceText(t) : `${targetChoiceText(t)}: ${t.detail}`, t.ok]),
  ];
  for (const [value, label, detail, usable] of choices) {
    const row = document.createElement('label');
    row.className = `rl-target-choice${usable ? '' : ' rl-unusable'}`;
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'rl-target';
    radio.value = value;
    radio.disabled = !usable;
    radio.checked = usable && value === current;
    const name = document.createElement('strong');
    name.textContent = label;
    const info = document.createElement('span');
    info.className = 'rl-muted';
    info.textContent = detail;
    row.append(radio, name, info);
    list.appendChild(row);
  }
  const notes = [
    problem ? `Targets could not be listed: ${problem}` : '',
    unknown && !problem ? `The cell’s %%runlane line says --on ${current}, which runlane.toml does not declare; choose where to run it.` : '',
  ].filter(Boolean);
  for (const text of notes) {
    const note = document.createElement('div');
    note.className = 'rl-muted rl-picker-note';
    note.textContent = text;
    list.appendChild(note);
  }
  // Moving a job cell to the kernel drops its job-only options: said before anything is rewritten.
  const dropped = droppedOptions(source, null);
  const warning = document.createElement('div');
  warning.className = 'rl-muted rl-picker-note rl-picker-dropped';
  const updateWarning = () => {
    const kernel = list.querySelector<HTMLInputElement>('input[name=rl-target]:checked')?.value === KERNEL;
    warning.textContent = kernel && dropped.length ? `In this kernel the cell runs as one process: ${dropped.join(', ')} will be taken off its %%runlane line.` : '';
  };
  list.addEventListener('change', updateWarning);
  updateWarning();
  list.appendChild(warning);
  body.node.appendChild(list);
  const result = await showDialog({
    title: 'Run Cell as Experiment',
    body,
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run' })],
    focusNodeSelector: 'input:checked',
  });
  if (!result.button.accept) return null;
  const chosen = body.node.querySelector<HTMLInputElement>('input[name=rl-target]:checked');
  if (!chosen) throw new Error('Nothing was chosen, so nothing ran: choose this kernel or a target.');
  return chosen.value;
}

/** `store`: the notebook's store (targets come from the runlane.toml beside it). */
export async function runCellAsExperiment(panel: NotebookPanel, connection: RunlaneConnection, store: string, pick: boolean): Promise<void> {
  const cell = panel.content.activeCell;
  if (!cell || cell.model.type !== 'code') {
    await showDialog({ title: 'Run Cell as Experiment', body: 'Select a code cell first.', buttons: [Dialog.okButton()] });
    return;
  }
  const source = cell.model.sharedModel.getSource();
  // The cell's current choice: the target its %%runlane line names, or this kernel.
  const current = magicTarget(source) ?? KERNEL;
  const target = pick ? await pickTarget(connection, store, source, current) : current;
  if (target === null) return;
  // The same choice as the cell's own magic: the cell runs exactly as the user wrote it.
  const unchanged = magicOptions(source) !== null && target === current;
  const updated = unchanged ? source : withRunlaneMagic(source, target === KERNEL ? null : target);
  if (updated !== source) cell.model.sharedModel.setSource(updated);
  await panel.sessionContext.ready;
  await loadHelper(panel.sessionContext);
  await NotebookActions.run(panel.content, panel.sessionContext);
}
