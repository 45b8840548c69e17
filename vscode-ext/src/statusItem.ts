// The status bar: how many jobs run, and the newest running run's main metric, live. Click: the Runs view.
import * as vscode from 'vscode';
import { formatValue, mainMetric, runLabel } from '@runlane/ui';
import { focusViewCommand, StatusItemId, ViewIds } from './commandIds';
import type { RunlaneService } from './service';

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(StatusItemId, vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly service: RunlaneService,
    /** The main metric chosen for an experiment, or null. */
    private readonly preferredMetric: (experiment: string) => string | null = () => null,
  ) {
    this.item.name = 'Runlane';
    this.item.command = focusViewCommand(ViewIds.runs);
    this.subscription = service.onDidChange(() => this.update());
    this.update();
  }

  update(): void {
    const runs = this.service.all().map((r) => r.run);
    const running = runs.filter((r) => r.status === 'running').sort((a, b) => b.created_at - a.created_at);
    const jobs = running.filter((r) => r.kind === 'job').length;
    const newest = running[0];
    const metric = newest ? mainMetric(newest, this.preferredMetric(newest.experiment)) : null;
    this.item.text = running.length
      ? `$(pulse) ${jobs ? `${jobs} job${jobs > 1 ? 's' : ''}` : `${running.length} running`}${metric ? ` · ${metric.key} ${formatValue(metric.value)}` : ''}`
      : `$(beaker) ${runs.length} run${runs.length === 1 ? '' : 's'}`;
    this.item.tooltip = newest ? `Runlane: ${runLabel(newest, runs, true)} is running` : 'Runlane: open the Runs view';
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
