// The Charts and Run-details panels: webviews that mount the shared views of shared/ui. The page
// implements its HostBridge over typed messages (shared/protocol/src/webview.ts), answered here from
// the daemon's client; the page says `ready` before anything is sent to it. A strict
// Content-Security-Policy (scripts only with this panel's nonce), resources only from the bundle, the
// view kept with the webview's state and restored after a reload by the serializer.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ActionArgs, ActionMessage, BridgeArgs, BridgeMethod, BridgeReplies, BridgeRequest, HostToWebview, PanelView, RunRef, RunSummary, StoreEvent, WebviewAction, WebviewActions, WebviewToHost } from '@runlane/protocol';
import { chartsTitle, runLabel, tableKey, tableTitle } from '@runlane/ui';
import { PanelTypes } from './commandIds';
import type { RunlaneService } from './service';

/** What the extension does for a page: every page action but those this host does (saving, the clipboard, details). */
export type PanelActions = Omit<WebviewActions, 'saveArtifact' | 'saveText' | 'copyText' | 'openDetails' | 'openSweep'>;

/** One handler per bridge method, taking its arguments as the page sends them and giving its reply. */
type BridgeHandlers = { [K in BridgeMethod]: (...args: BridgeArgs[K]) => Promise<BridgeReplies[K]> };
/** One handler per page action. */
type ActionHandlers = { [A in WebviewAction]: (...args: ActionArgs[A]) => void };

type Named = Pick<RunSummary, 'name' | 'id'>;

/**
 * Whether a panel's page needs a feed event: a details page only its own run's events, a charts
 * page its runs' (every run's when it follows new runs), never log lines (charts draw none). Every
 * event posted is serialized for the page, so a job printing fast would otherwise cost each open
 * panel a message per line. Events of no store (hello, reset) go to every page (charts reload on a
 * reset).
 */
export function panelWants(view: PanelView, event: StoreEvent): boolean {
  if (!('store' in event)) return true;
  const id = event.type === 'run-created' || event.type === 'run-updated' ? event.run.id : event.run_id;
  const about = (ref: RunRef) => ref.source === event.store && ref.id === id;
  if (view.kind === 'details') return about(view.run);
  if (event.type === 'log') return false;
  if (view.kind === 'sweep') return true; // its trials are runs tagged with it, new ones included
  return view.runs === null || view.runs.some(about);
}

/** The sources a service shows, as one string to compare. */
function sourcesKey(service: RunlaneService): string {
  return service.sources().map((s) => `${s.kind}:${s.path}`).join('\n');
}

export class RunlanePanels implements vscode.Disposable {
  private readonly details = new Map<string, vscode.WebviewPanel>();
  /** Open tables by what they show (tableKey): asking for one again reveals it (tableTitle.ts says why). */
  private readonly tables = new Map<string, vscode.WebviewPanel>();
  /** Every open panel with what it shows: titles follow renames. */
  private readonly open = new Map<vscode.WebviewPanel, PanelView>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: RunlaneService,
    private readonly actions: PanelActions,
  ) {
    for (const type of [PanelTypes.charts, PanelTypes.details, PanelTypes.table, PanelTypes.sweep]) {
      this.subscriptions.push(
        vscode.window.registerWebviewPanelSerializer(type, {
          deserializeWebviewPanel: async (panel, state: { view?: PanelView } | undefined) => {
            if (state?.view) this.attach(panel, state.view);
            else panel.dispose();
          },
        }),
      );
    }
    // Titles show names: one run's new metrics or tags leave them as they are.
    this.subscriptions.push(service.onDidChange((change) => change.kind === 'all' && this.retitle()));
  }

  /** The title a panel's view has now (a rename shows at once; same-named runs get their short id). */
  titleOf(view: PanelView): string {
    const peers = this.service.all().map((r) => r.run);
    const named = (ref: RunRef): Named => this.service.run(ref.id, ref.source) ?? { name: ref.id, id: ref.id };
    if (view.kind === 'charts') return chartsTitle(view.runs ? view.runs.map(named) : null, peers);
    if (view.kind === 'table') return tableTitle(view, named, peers);
    if (view.kind === 'sweep') return `Sweep: ${runLabel(named(view.run), peers)}`;
    return runLabel(named(view.run), peers);
  }

  private retitle(): void {
    for (const [panel, view] of this.open) {
      const title = this.titleOf(view);
      if (panel.title !== title) panel.title = title;
    }
  }

  openCharts(runs: RunRef[] | null): void {
    const panel = vscode.window.createWebviewPanel(PanelTypes.charts, this.titleOf({ kind: 'charts', runs }), vscode.ViewColumn.Active, this.options());
    this.attach(panel, { kind: 'charts', runs });
  }

  /** The runs table of an experiment (null: every run), or of a fixed selection of runs. */
  openTable(experiment: string | null, runs: RunRef[] | null): void {
    const view: PanelView = { kind: 'table', experiment, runs };
    const open = this.tables.get(tableKey(view));
    if (open) return open.reveal();
    const panel = vscode.window.createWebviewPanel(PanelTypes.table, this.titleOf(view), vscode.ViewColumn.Active, this.options());
    this.attach(panel, view);
  }

  openDetails(run: RunRef, focusLogs = false): void {
    const open = this.details.get(run.id);
    if (open) {
      open.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(PanelTypes.details, this.titleOf({ kind: 'details', run }), vscode.ViewColumn.Active, this.options());
    this.details.set(run.id, panel);
    panel.onDidDispose(() => this.details.delete(run.id));
    this.attach(panel, { kind: 'details', run }, focusLogs);
  }

  /** A sweep run's live view (trials, best so far, parallel coordinates); one panel per sweep. */
  openSweep(run: RunRef): void {
    const view: PanelView = { kind: 'sweep', run };
    const panel = vscode.window.createWebviewPanel(PanelTypes.sweep, this.titleOf(view), vscode.ViewColumn.Active, this.options());
    this.attach(panel, view);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
  }

  private attach(panel: vscode.WebviewPanel, view: PanelView, focusLogs = false): void {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'runlane.svg');
    this.open.set(panel, view);
    if (view.kind === 'table') this.tables.set(tableKey(view), panel);
    // The sources shown as the page last listed them: a table lists its runs again when they change.
    let sources = sourcesKey(this.service);
    panel.title = this.titleOf(view); // a restored panel too
    panel.webview.options = this.options();
    panel.webview.html = this.html(panel.webview, view, focusLogs);
    const post = (message: HostToWebview) => void panel.webview.postMessage(message);
    const dark = () => vscode.window.activeColorTheme.kind === vscode.ColorThemeKind.Dark || vscode.window.activeColorTheme.kind === vscode.ColorThemeKind.HighContrast;
    let ready = false;
    const disposables = [
      panel.webview.onDidReceiveMessage((message: WebviewToHost) => {
        if (message.type === 'ready') {
          ready = true;
          const settings = vscode.workspace.getConfiguration('runlane.charts');
          post({ type: 'init', view, dark: dark(), charts: { smoothing: settings.get('smoothing', 0.6), xAxis: settings.get('xAxis', 'step') } });
        } else if (message.type === 'request') {
          this.reply(message, post);
        } else if (message.type === 'action') {
          this.act(message);
        }
      }),
      this.service.onEvent((event) => ready && panelWants(view, event) && post({ type: 'event', event })),
      vscode.window.onDidChangeActiveColorTheme(() => ready && post({ type: 'theme', dark: dark() })),
      // A folder opened (or removed) after the table: the feed tells only of changes, so the folder's
      // runs reach the table as a reset, which lists every source's runs again.
      this.service.onDidChange((change) => {
        if (!ready || view.kind !== 'table' || change.kind !== 'all' || sources === sourcesKey(this.service)) return;
        sources = sourcesKey(this.service);
        post({ type: 'event', event: { type: 'reset', reason: 'The sources shown changed; list the runs again.' } });
      }),
    ];
    panel.onDidDispose(() => {
      this.open.delete(panel);
      if (view.kind === 'table' && this.tables.get(tableKey(view)) === panel) this.tables.delete(tableKey(view));
      for (const d of disposables) d.dispose();
    });
  }

  /** One HostBridge call from a page, answered with its method's handler (an error as its message). */
  private reply<K extends BridgeMethod>(request: BridgeRequest<K>, post: (message: HostToWebview) => void): void {
    const { id, method } = request;
    const handle: BridgeHandlers[K] = this.handlers[method];
    handle(...request.args).then(
      (value) => post({ type: 'response', id, method, ok: true, value }),
      (err: Error) => post({ type: 'response', id, method, ok: false, error: err.message }),
    );
  }

  /** The bridge over the daemon's clients (bytes as base64): the page's HostBridge calls land here. */
  private readonly handlers: BridgeHandlers = {
    listRuns: async () => {
      // A store not created yet has no runs (and asking the daemon about it would start one for nothing).
      const readable = this.service.sources().filter((s) => s.kind !== 'store' || existsSync(s.path));
      const lists = await Promise.all(readable.map(async (s) => (await (await this.service.daemon(s.path)).runs()).map((run) => ({ source: s.path, run }))));
      return lists.flat();
    },
    getSeries: async (ref, key, request) => (await this.client(ref)).series(ref.id, key, request),
    getRun: async (ref) => (await this.client(ref)).run(ref.id),
    readLog: async (ref, writer, stream, offset, length) => {
      const { bytes, size } = await (await this.client(ref)).log(ref.id, writer, stream, offset);
      return { bytes: (length === undefined ? bytes : bytes.subarray(0, length)).toString('base64'), size };
    },
    listArtifacts: async (ref) => (await this.client(ref)).artifacts(ref.id),
    readArtifact: async (ref, path) => (await (await this.client(ref)).artifact(ref.id, path)).toString('base64'),
    updateRun: async (ref, patch) => (await this.client(ref)).updateRun(ref.id, patch),
    deleteRun: async (ref) => (await this.client(ref)).deleteRun(ref.id),
    restoreRun: async (ref) => (await this.client(ref)).restoreRun(ref.id),
    cancelJob: async (ref) => (await this.client(ref)).cancelJob(ref.id),
    stopRun: async (ref) => (await this.client(ref)).stopRun(ref.id),
    rerunJob: async (ref, params) => (await this.client(ref)).rerun(ref.id, params),
    listMedia: async (ref, key) => (await this.client(ref)).media(ref.id, key),
    readMedia: async (ref, mediaRef) => (await (await this.client(ref)).mediaBytes(ref.id, mediaRef)).bytes.toString('base64'),
    getHistograms: async (ref, key, rank) => (await this.client(ref)).histograms(ref.id, key, rank),
  };

  private client(ref: RunRef) {
    return this.service.daemon(ref.source);
  }

  private act<A extends WebviewAction>(message: ActionMessage<A>): void {
    const actions: ActionHandlers = {
      openCharts: (runs) => this.actions.openCharts(runs),
      openSource: (run) => this.actions.openSource(run),
      openScript: (file) => this.actions.openScript(file),
      saveArtifact: (ref, artifact) => void this.saveArtifact(ref, artifact),
      openDetails: (ref) => this.openDetails(ref),
      openSweep: (ref) => this.openSweep(ref),
      saveText: (name, text) => void this.saveText(name, text),
      copyText: (text) => void vscode.env.clipboard.writeText(text).then(() => vscode.window.showInformationMessage('Runlane: the table is on the clipboard as Markdown.')),
    };
    const run: ActionHandlers[A] = actions[message.action];
    run(...message.args);
  }

  private async saveArtifact(ref: RunRef, artifact: { path: string }): Promise<void> {
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(artifact.path.split('/').pop() ?? 'artifact') });
    if (!target) return;
    const bytes = await (await this.service.daemon(ref.source)).artifact(ref.id, artifact.path);
    await vscode.workspace.fs.writeFile(target, bytes);
  }

  /** The table's CSV: the save dialog (in the workspace folder), then the file; says where it went. */
  private async saveText(fileName: string, text: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : vscode.Uri.file(fileName), filters: { CSV: ['csv'] } });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    void vscode.window.showInformationMessage(`Runlane: saved the table to ${target.fsPath}.`);
  }

  private html(webview: vscode.Webview, view: PanelView, focusLogs: boolean): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data: blob:`,
      // The shared views install one stylesheet element and echarts sizes its elements inline.
      `style-src ${webview.cspSource} 'unsafe-inline'`,
      `script-src 'nonce-${nonce}'`,
      `font-src ${webview.cspSource}`,
    ].join('; ');
    const title = view.kind === 'charts' ? 'Runlane charts' : view.kind === 'table' ? 'Runlane runs table' : 'Runlane run';
    return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>html, body { margin: 0; padding: 0; height: 100%; background: var(--vscode-editor-background); }</style></head>
<body data-focus-logs="${focusLogs ? '1' : ''}"><div id="app"></div><script nonce="${nonce}" src="${script.toString()}"></script></body></html>`;
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
