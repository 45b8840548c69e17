// The items of the target picker (Run Cell / Run File as Experiment), as plain data so tests read
// them without VS Code. Only choices that exist where the code runs are offered: "This kernel" only
// for a notebook whose controller is a Jupyter kernel (not under the Runlane jobs controller, and
// never for a file). What the magic line already says is the active item. A target that cannot be
// used says why on its own line and cannot be picked.
import type { TargetInfo } from '@runlane/protocol';
import { droppedOptions, KERNEL_CHOICE, magicTarget, targetChoiceText } from '@runlane/ui';

export type PickerContext = { kind: 'kernel-cell'; source: string } | { kind: 'jobs-cell'; source: string; defaultTarget: string } | { kind: 'file'; file: string; lastTarget: string | null };

export interface TargetChoice {
  label: string;
  description: string;
  /** The second line: why a target cannot be used, or what picking this changes in the cell. */
  detail?: string;
  /** A target name, or null for this kernel. */
  target: string | null;
  usable: boolean;
  active: boolean;
}

export function pickerTitle(context: PickerContext, basename: (p: string) => string): string {
  return context.kind === 'file' ? `Run ${basename(context.file)} as Experiment` : 'Run Cell as Experiment';
}

export function targetChoices(context: PickerContext, targets: TargetInfo[]): TargetChoice[] {
  const current =
    context.kind === 'file' ? (context.lastTarget ?? 'local') : context.kind === 'jobs-cell' ? (magicTarget(context.source) ?? context.defaultTarget) : magicTarget(context.source);
  const choices: TargetChoice[] = [];
  if (context.kind === 'kernel-cell') {
    const dropped = droppedOptions(context.source, null);
    choices.push({
      ...KERNEL_CHOICE,
      detail: dropped.length ? `Removes ${dropped.join(' ')} from the cell (they only apply to jobs).` : undefined,
      target: null,
      usable: true,
      active: current === null,
    });
  }
  for (const t of targets) {
    choices.push({
      label: t.ok ? t.name : `$(error) ${t.name}`,
      description: targetChoiceText(t),
      detail: t.ok ? undefined : `Unavailable: ${t.detail}`,
      target: t.name,
      usable: t.ok,
      active: current === t.name,
    });
  }
  // The magic may name a target that runlane.toml no longer declares: keep it visible, and say so.
  if (current !== null && !targets.some((t) => t.name === current) && context.kind !== 'file') {
    choices.push({ label: `$(error) ${current}`, description: 'cannot be used', detail: `Unavailable: no target named “${current}” in runlane.toml.`, target: current, usable: false, active: true });
  }
  if (!choices.some((c) => c.active && c.usable)) {
    const first = choices.find((c) => c.usable);
    for (const c of choices) c.active = c === first;
  }
  return choices;
}

/** Arguments typed in an input box, split like a shell does (quotes group, backslash escapes). */
export function splitArgs(text: string): string[] {
  const args: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|((?:[^\s"'\\]|\\.)+)|(\s+)/g;
  let current: string | null = null;
  for (const m of text.matchAll(re)) {
    if (m[4] !== undefined) {
      if (current !== null) args.push(current);
      current = null;
      continue;
    }
    const part = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2] !== undefined ? m[2] : m[3]!.replace(/\\(.)/g, '$1');
    current = (current ?? '') + part;
  }
  if (current !== null) args.push(current);
  return args;
}
