// The target picker: a QuickPick over targetChoices. Escape (or clicking away) resolves undefined and
// the caller does nothing; accepting an unusable target keeps the picker open and says why.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TargetInfo } from '@runlane/protocol';
import { pickerTitle, targetChoices, type PickerContext, type TargetChoice } from './targetChoices';

type Item = vscode.QuickPickItem & { choice: TargetChoice };

/** The target picked (null: this kernel), or undefined when the user cancelled. */
export function pickTarget(context: PickerContext, targets: TargetInfo[]): Promise<string | null | undefined> {
  const choices = targetChoices(context, targets);
  const items: Item[] = choices.map((choice) => ({ label: choice.label, description: choice.description, detail: choice.detail, choice }));
  const quickPick = vscode.window.createQuickPick<Item>();
  quickPick.title = pickerTitle(context, (file) => path.basename(file));
  const placeholder = context.kind === 'file' ? 'Where the script runs (Escape cancels)' : 'Where the cell runs (Escape cancels)';
  quickPick.placeholder = placeholder;
  quickPick.items = items;
  quickPick.matchOnDescription = true;
  quickPick.activeItems = items.filter((i) => i.choice.active);
  return new Promise((resolve) => {
    let result: string | null | undefined;
    quickPick.onDidAccept(() => {
      const item = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
      if (!item) return;
      if (!item.choice.usable) {
        quickPick.placeholder = `${item.choice.target} cannot be used: ${item.choice.detail?.replace(/^Unavailable: /, '') ?? 'unavailable'}. Pick another target, or Escape.`;
        return;
      }
      result = item.choice.target;
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      quickPick.dispose();
      resolve(result);
    });
    quickPick.show();
  });
}
