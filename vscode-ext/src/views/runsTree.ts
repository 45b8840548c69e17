// The Runs view: experiments, newest activity first, each with its runs newest first; live. With more
// than one source (stores that open notebooks write to, TensorBoard log folders the user opened), one
// group per source, named with why it is shown, so no run is left out without a word: a source that
// cannot be read or has no runs yet says so. A filter (the same search words as JupyterLab's sidebar)
// and "this notebook only". A live run redraws its own row only (its metrics and elapsed time, a few
// times a second at most); the whole tree is redrawn only when rows appear, vanish or move.
import * as vscode from 'vscode';
import type { RunSummary } from '@runlane/protocol';
import { duplicateNames, logFolderKind, matches, NO_FILTER, sortRuns, type RunFilter } from '@runlane/ui';
import { CommandIds } from '../commandIds';
import type { RunsChange } from '../runsChange';
import type { RunlaneService } from '../service';
import type { Source } from '../sources';
import { runItem } from './runItem';
import { RowRedraws } from './rowRedraws';

type Node =
  | { kind: 'source'; source: Source }
  | { kind: 'experiment'; name: string; source: Source; runs: RunSummary[] }
  | { kind: 'run'; run: RunSummary; source: Source }
  | { kind: 'message'; text: string; source: Source; icon?: string; command?: vscode.Command };

/** What the tree says when runs exist but the filter hides all of them (never the "No runs yet." welcome). */
export function noMatchText(filter: RunFilter): string {
  const notebook = filter.notebook ? ` of ${filter.notebook.split(/[\\/]/).pop()}` : '';
  const text = filter.text.trim();
  return text ? `No runs${notebook} match “${text}”.` : `No runs${notebook}${filter.status !== 'all' ? ` are ${filter.status}` : ''}.`;
}

/** What the tree says above a source's first page while the rest of its runs come. */
export function firstPageText(shown: number, total: number): string {
  return `Showing the newest ${shown.toLocaleString('en')} of ${total.toLocaleString('en')} runs; loading the rest…`;
}

type RunNode = Extract<Node, { kind: 'run' }>;

const nodeKey = (source: string, id: string) => `${source}\n${id}`;

export class RunsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  filter: RunFilter = { ...NO_FILTER };
  private readonly ticker: NodeJS.Timeout;
  private readonly subscription: vscode.Disposable;
  /**
   * One node object per run for the tree's life: the once-a-second tick then refreshes only the rows
   * of running runs (a whole-tree refresh re-renders every row, and a click landing on a row being
   * re-rendered reaches its command without its arguments).
   */
  private readonly runNodes = new Map<string, RunNode>();
  /** Rows redrawn for live data (batched: a fast-logging run redraws its row a few times a second). */
  private readonly rows = new RowRedraws<RunNode>((nodes) => this.changed.fire(nodes));
  private duplicates: Set<string> | null = null;

  constructor(
    private readonly service: RunlaneService,
    /** The main metric chosen for an experiment (workspace state), or null. */
    private readonly preferredMetric: (experiment: string) => string | null,
  ) {
    this.subscription = service.onDidChange((change) => this.onRunsChange(change));
    // Elapsed times of running runs move once a second: only their rows are redrawn.
    this.ticker = setInterval(() => {
      const running = [...this.runNodes.values()].filter((n) => n.run.status === 'running');
      this.rows.add(running);
    }, 1000);
  }

  refresh(): void {
    this.rows.clear(); // every row is redrawn: none is due any more
    this.duplicates = null; // names may have changed (a rename, a run added)
    this.changed.fire(undefined);
  }

  /**
   * Names shared by two or more runs shown, once per redraw of the whole tree, not once per row: with
   * 10,000 runs, listing them again for every row kept the extension host busy for minutes. A change
   * of one run's own data (not its name: that redraws everything) leaves the set as it is.
   */
  private sharedNames(): Set<string> {
    return (this.duplicates ??= duplicateNames(this.service.all().map((r) => r.run)));
  }

  private onRunsChange(change: RunsChange): void {
    if (change.kind === 'all') return this.refresh();
    // One run's own data: its row alone, unless the change makes it appear or vanish under the filter.
    const shown = matches(change.after, this.filter);
    if (shown !== matches(change.before, this.filter)) return this.refresh();
    const node = this.runNodes.get(nodeKey(change.source, change.after.id));
    if (shown && node) this.rows.add([node]); // no node: VS Code has not shown the row yet
  }


  getChildren(node?: Node): Node[] {
    if (node?.kind === 'run' || node?.kind === 'message') return [];
    if (node?.kind === 'experiment') return node.runs.map((run) => this.runNode(run, node.source));
    if (node?.kind === 'source') return this.experiments(node.source);
    const sources = this.service.sources();
    const [only] = sources;
    if (only && sources.length === 1) return this.experiments(only);
    return sources.map((source) => ({ kind: 'source', source }));
  }

  private runNode(run: RunSummary, source: Source): Node {
    const key = nodeKey(source.path, run.id);
    const node = this.runNodes.get(key);
    if (node) return Object.assign(node, { run, source });
    const created = { kind: 'run' as const, run, source };
    this.runNodes.set(key, created);
    return created;
  }

  private experiments(source: Source): Node[] {
    const error = this.service.errorOf(source.path);
    if (error) return [{ kind: 'message', text: error, source }];
    const all = this.service.runsOf(source.path);
    const shown = sortRuns(all.filter((r) => matches(r, this.filter)), 'created', 'desc');
    if (all.length && !shown.length) {
      return [
        { kind: 'message', text: noMatchText(this.filter), source, icon: 'filter' },
        { kind: 'message', text: 'Clear Filter', source, icon: 'clear-all', command: { command: CommandIds.clearFilter, title: 'Clear Filter' } },
      ];
    }
    const byExperiment = new Map<string, RunSummary[]>();
    for (const run of shown) {
      const runs = byExperiment.get(run.experiment);
      if (runs) runs.push(run);
      else byExperiment.set(run.experiment, [run]);
    }
    const groups: Node[] = [...byExperiment].map(([name, runs]) => ({ kind: 'experiment', name, source, runs }));
    // A big store's first page is shown while its whole list comes: say so above it, as JupyterLab does.
    const total = this.service.totalOf(source.path);
    return total === null ? groups : [{ kind: 'message', text: firstPageText(all.length, total), source, icon: 'loading~spin' }, ...groups];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = node.icon ? new vscode.ThemeIcon(node.icon) : new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
      item.tooltip = node.command ? 'Show every run again' : node.text;
      item.command = node.command;
      item.contextValue = node.command ? 'clear-filter' : 'message';
      return item;
    }
    if (node.kind === 'source') {
      const runs = this.service.runsOf(node.source.path);
      const item = new vscode.TreeItem(node.source.label, runs.length || this.service.errorOf(node.source.path) ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      const total = this.service.totalOf(node.source.path);
      const count = total !== null ? `${runs.length.toLocaleString('en')} of ${total.toLocaleString('en')} runs, loading…` : runs.length ? `${runs.length} run${runs.length === 1 ? '' : 's'}` : node.source.kind === 'logdir' ? 'no event files yet' : 'no runs yet';
      // A log folder is named after what it holds (TensorBoard's event files, DVCLive folders).
      const logFolder = node.source.kind === 'logdir' ? logFolderKind(runs).what : null;
      item.description = `${count} · ${logFolder ?? node.source.reason}`;
      const what = { logdir: logFolder, mlflow: 'MLflow tracking server (read by the daemon, with its MLFLOW_TRACKING_* credentials)', store: 'Runlane store' }[node.source.kind];
      item.tooltip = node.source.kind === 'logdir' ? `${what} ${node.source.path}, opened by you` : `${what} ${node.source.path}\nShown for: ${node.source.reason}`;
      item.iconPath = new vscode.ThemeIcon({ logdir: 'graph-line', mlflow: 'cloud', store: 'database' }[node.source.kind]);
      item.contextValue = `source-${node.source.kind}`;
      // A new id once runs arrive: a store shown before its runs were read (None) would stay folded.
      item.id = `source:${node.source.kind}:${node.source.path}${runs.length ? '' : ':empty'}`;
      return item;
    }
    if (node.kind === 'experiment') {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      const running = node.runs.filter((r) => r.status === 'running').length;
      const metric = this.preferredMetric(node.name);
      item.description = `${node.runs.length} run${node.runs.length === 1 ? '' : 's'}${running ? ` · ${running} running` : ''}${metric ? ` · ${metric}` : ''}`;
      item.iconPath = new vscode.ThemeIcon('beaker');
      item.contextValue = 'experiment';
      item.id = `experiment:${node.source.path}:${node.name}`;
      return item;
    }
    node.run = this.service.run(node.run.id, node.source.path) ?? node.run; // a tick redraws with the latest
    const data = runItem(node.run, {
      duplicates: this.sharedNames(),
      preferredMetric: this.preferredMetric(node.run.experiment),
      readonly: node.source.kind !== 'store',
    });
    const item = new vscode.TreeItem(data.label, vscode.TreeItemCollapsibleState.None);
    item.id = `run:${node.source.path}:${node.run.id}`;
    item.description = data.description;
    item.tooltip = data.tooltip;
    item.iconPath = new vscode.ThemeIcon(data.icon.id, data.icon.color ? new vscode.ThemeColor(data.icon.color) : undefined);
    item.contextValue = data.contextValue;
    // No arguments: VS Code keeps a command's arguments with the row as drawn, and drops them when the
    // row is redrawn, so a click on a live row could land on arguments just dropped ("Actual command not
    // found", nothing opens). Without them the click runs the command on the selection it just set.
    item.command = { command: CommandIds.openDetails, title: 'Open Details' };
    return item;
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.rows.dispose();
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** The run a command was invoked on (with its source path): a tree node, a run id, or the tree's selection. */
export function runOf(arg: unknown, service: RunlaneService, selection: readonly Node[]): { run: RunSummary; source: string } | undefined {
  if (arg && typeof arg === 'object' && (arg as Node).kind === 'run') {
    const node = arg as Extract<Node, { kind: 'run' }>;
    return { run: service.run(node.run.id, node.source.path) ?? node.run, source: node.source.path };
  }
  if (typeof arg === 'string') {
    const source = service.sourceOf(arg);
    const run = source ? service.run(arg, source) : undefined;
    return run && source ? { run, source } : undefined;
  }
  const selected = selection.find((n) => n.kind === 'run');
  return selected?.kind === 'run' ? { run: selected.run, source: selected.source.path } : undefined;
}

export type RunsNode = Node;
