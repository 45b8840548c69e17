// The Targets view: the targets of the active file's runlane.toml (and `local`), their state, and the jobs running or
// queued on each.
import * as vscode from 'vscode';
import type { TargetInfo } from '@runlane/protocol';
import { targetOf } from '@runlane/ui';
import { CommandIds } from '../commandIds';
import type { RunlaneService } from '../service';
import { runItem } from './runItem';
import { targetDescription } from './targetItem';

type Node = { kind: 'target'; target: TargetInfo } | { kind: 'job'; id: string } | { kind: 'message'; text: string };

export class TargetsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private targets: Promise<TargetInfo[]> | null = null;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly service: RunlaneService,
    /** The targets to list (those of the active file's runlane.toml). */
    private readonly load: () => Promise<TargetInfo[]> = () => service.daemon().then((c) => c.targets()),
  ) {
    this.subscription = service.onDidChange(() => this.changed.fire(undefined));
  }

  refresh(): void {
    this.targets = null;
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'target') {
      return this.service.all().map((r) => r.run)
        .filter((r) => r.kind === 'job' && targetOf(r) === node.target.name && (r.status === 'running' || r.status === 'queued'))
        .map((r) => ({ kind: 'job', id: r.id }));
    }
    if (node) return [];
    try {
      this.targets ??= this.load();
      return (await this.targets).map((target) => ({ kind: 'target', target }));
    } catch (err) {
      this.targets = null;
      return [{ kind: 'message', text: `Targets are not available: ${(err as Error).message}` }];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') return new vscode.TreeItem(node.text);
    if (node.kind === 'job') {
      const run = this.service.run(node.id);
      const data = run ? runItem(run) : null;
      const item = new vscode.TreeItem(data?.label ?? node.id);
      item.description = data?.description;
      item.iconPath = new vscode.ThemeIcon(data?.icon.id ?? 'circle-outline');
      item.contextValue = data?.contextValue;
      item.command = { command: CommandIds.openDetails, title: 'Open Details', arguments: [node.id] };
      return item;
    }
    const t = node.target;
    const jobs = this.service.all().map((r) => r.run).filter((r) => r.kind === 'job' && targetOf(r) === t.name && (r.status === 'running' || r.status === 'queued'));
    const item = new vscode.TreeItem(t.name, jobs.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = targetDescription(t, jobs.length);
    item.tooltip = `${t.name} (${t.kind}): ${t.ok ? t.detail : `unavailable: ${t.detail}`}`;
    item.iconPath = new vscode.ThemeIcon(t.kind === 'ssh' ? 'remote' : t.kind === 'slurm' ? 'server-environment' : 'vm', new vscode.ThemeColor(t.ok ? 'testing.iconPassed' : 'testing.iconFailed'));
    return item;
  }
  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
