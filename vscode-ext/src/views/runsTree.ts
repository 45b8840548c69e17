// The Runs view: experiments, newest activity first, each with its runs newest first; live. A filter
// (the same search words as JupyterLab's sidebar) and "this notebook only".
import * as vscode from 'vscode';
import type { RunSummary } from '@runlane/protocol';
import { matches, NO_FILTER, sortRuns, type RunFilter } from '@runlane/ui';
import type { RunlaneService } from '../service';
import { runItem } from './runItem';

type Node = { kind: 'experiment'; name: string; runs: RunSummary[] } | { kind: 'run'; run: RunSummary };

export class RunsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  filter: RunFilter = { ...NO_FILTER };
  private ticker: NodeJS.Timeout;

  constructor(private readonly service: RunlaneService) {
    service.onDidChange(() => this.changed.fire(undefined));
    // Elapsed times of running runs move once a second.
    this.ticker = setInterval(() => this.service.runs.all().some((r) => r.status === 'running') && this.changed.fire(undefined), 1000);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    if (node?.kind === 'run') return [];
    if (node?.kind === 'experiment') return node.runs.map((run) => ({ kind: 'run', run }));
    const shown = sortRuns(this.service.runs.all().filter((r) => matches(r, this.filter)), 'created', 'desc');
    const byExperiment = new Map<string, RunSummary[]>();
    for (const run of shown) byExperiment.set(run.experiment, [...(byExperiment.get(run.experiment) ?? []), run]);
    return [...byExperiment].map(([name, runs]) => ({ kind: 'experiment', name, runs }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'experiment') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      const running = node.runs.filter((r) => r.status === 'running').length;
      item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}${running ? ` · ${running} running` : ''}`;
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'experiment';
      item.id = `experiment:${node.name}`;
      return item;
    }
    const data = runItem(node.run);
    const item = new vscode.TreeItem(data.label, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${node.run.id}`;
    item.description = data.description;
    item.tooltip = data.tooltip;
    item.iconPath = new vscode.ThemeIcon(data.icon.id, data.icon.color ? new vscode.ThemeColor(data.icon.color) : undefined);
    item.contextValue = data.contextValue;
    item.command = { command: 'runlane.openDetails', title: 'Open Details', arguments: [node] };
    return item;
  }

  dispose(): void {
    clearInterval(this.ticker);
  }
}

/** The run a command was invoked on: a tree node, a run id, or the tree's selection. */
export function runOf(arg: unknown, service: RunlaneService, selection: readonly Node[]): RunSummary | undefined {
  if (arg && typeof arg === 'object' && (arg as Node).kind === 'run') return (arg as { run: RunSummary }).run;
  if (typeof arg === 'string') return service.run(arg);
  const selected = selection.find((n) => n.kind === 'run');
  return selected?.kind === 'run' ? selected.run : undefined;
}

export type RunsNode = Node;
