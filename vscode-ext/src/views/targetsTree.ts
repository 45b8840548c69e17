// The Targets view: the targets of the active file's runlane.toml (and `local`), their state, and the jobs running or
// queued on each. A job's row alone is redrawn when only its own data changes (its metrics). A click on
// a job's row opens its details through the selection that click sets (see jobOf).
import * as vscode from 'vscode';
import type { TargetInfo } from '@runlane/protocol';
import { targetOf } from '@runlane/ui';
import { InternalCommandIds } from '../commandIds';
import type { RunlaneService } from '../service';
import type { RunsChange } from '../runsChange';
import { runItem } from './runItem';
import { RowRedraws } from './rowRedraws';
import { targetDescription } from './targetItem';

type JobNode = { kind: 'job'; id: string };
type Node = { kind: 'target'; target: TargetInfo } | JobNode | { kind: 'message'; text: string };
export type TargetsNode = Node;

/** The job of a Targets view's selection (one job row), or undefined. */
export function jobOf(selection: readonly Node[]): string | undefined {
  const [node] = selection;
  return selection.length === 1 && node?.kind === 'job' ? node.id : undefined;
}

export class TargetsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private targets: Promise<TargetInfo[]> | null = null;
  private readonly subscription: vscode.Disposable;
  /** One node per job row, kept so that a row can be redrawn alone. */
  private readonly jobNodes = new Map<string, JobNode>();
  private readonly rows = new RowRedraws<JobNode>((nodes) => this.changed.fire(nodes));

  constructor(
    private readonly service: RunlaneService,
    /** The targets to list (those of the active file's runlane.toml). */
    private readonly load: () => Promise<TargetInfo[]> = () => service.daemon().then((c) => c.targets()),
  ) {
    this.subscription = service.onDidChange((change) => this.onRunsChange(change));
  }

  refresh(): void {
    this.targets = null;
    this.redrawAll();
  }

  private redrawAll(): void {
    this.rows.clear();
    this.changed.fire(undefined);
  }

  private onRunsChange(change: RunsChange): void {
    if (change.kind === 'all') return this.redrawAll();
    const node = this.jobNodes.get(change.after.id);
    if (node) this.rows.add([node]);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'target') {
      return this.service.all().map((r) => r.run)
        .filter((r) => r.kind === 'job' && targetOf(r) === node.target.name && (r.status === 'running' || r.status === 'queued'))
        .map((r) => {
          const job = this.jobNodes.get(r.id) ?? { kind: 'job', id: r.id };
          this.jobNodes.set(r.id, job);
          return job;
        });
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
      // No arguments, as the Runs view's rows: VS Code drops a command's arguments when the row is redrawn
      // (a live job's row is, a few times a second), so a click could land on arguments just dropped and
      // do nothing. Its own command (not Open Details, which reads the Runs view's selection) opens the
      // job this click selected in this view.
      item.command = { command: InternalCommandIds.openTargetsJob, title: 'Open Details' };
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
    this.rows.dispose();
    this.changed.dispose();
  }
}
