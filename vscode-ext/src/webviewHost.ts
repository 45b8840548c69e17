// The Charts and Run-details panels: webviews that mount the shared views of shared/ui. The page
// implements its HostBridge over typed messages (shared/protocol/src/webview.ts), answered here from
// the daemon's client; the page says `ready` before anything is sent to it. A strict
// Content-Security-Policy (scripts only with this panel's nonce), resources only from the bundle, the
// view kept with the webview's state and restored after a reload by the serializer.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { BridgeMethod, HostToWebview, PanelView, RunRef, RunSummary, WebviewToHost } from '@runlane/protocol';
import { chartsTitle, runLabel } from '@runlane/ui';
import { PanelTypes } from './commandIds';
import type { RunlaneService } from './service';

export interface PanelActions {
  openCharts(runs: RunRef[]): void;
  openSource(run: { notebook: string | null; cell_id: string | null }): void;
  openScript(path: string): void;
}

type Named = Pick<RunSummary, 'name' | 'id'>;

export class RunlanePanels implements vscode.Disposable {
  private readonly details = new Map<string, vscode.WebviewPanel>();
  /** Every open panel with what it shows: titles follow renames. */
  private readonly open = new Map<vscode.WebviewPanel, PanelView>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly service: RunlaneService,
    private readonly actions: PanelActions,
  ) {
    for (const type of [PanelTypes.charts, PanelTypes.details]) {
      this.subscriptions.push(
        vscode.window.registerWebviewPanelSerializer(type, {
          deserializeWebviewPanel: async (panel, state: { view?: PanelView } | undefined) => {
            if (state?.view) this.attach(panel, state.view);
            else panel.dispose();
          },
        }),
      );
    }
    this.subscriptions.push(service.onDidChange(() => this.retitle()));
  }

  /** The title a panel's view has now (a rename shows at once; same-named runs get their short id). */
  titleOf(view: PanelView): string {
    const peers = this.service.all().map((r) => r.run);
    const named = (ref: RunRef): Named => this.service.run(ref.id, ref.source) ?? { name: ref.id, id: ref.id };
    if (view.kind === 'charts') return chartsTitle(view.runs ? view.runs.map(named) : null, peers);
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

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
  }

  private attach(panel: vscode.WebviewPanel, view: PanelView, focusLogs = false): void {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'runlane.svg');
    this.open.set(panel, view);
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
          this.answer(message.method, message.args).then(
            (value) => post({ type: 'response', id: message.id, ok: true, value }),
            (err: Error) => post({ type: 'response', id: message.id, ok: false, error: err.message }),
          );
        } else if (message.type === 'action') {
          this.act(message.action, message.args);
        }
      }),
      this.service.onEvent((event) => ready && post({ type: 'event', event })),
      vscode.window.onDidChangeActiveColorTheme(() => ready && post({ type: 'theme', dark: dark() })),
    ];
    panel.onDidDispose(() => {
      this.open.delete(panel);
      disposables.forEach((d) => d.dispose());
    });
  }

  /** One HostBridge call from a page, answered with the daemon's client (bytes as base64). */
  private async answer(method: BridgeMethod, args: unknown[]): Promise<unknown> {
    if (method === 'listRuns') {
      // A store not created yet has no runs (and asking the daemon about it would start one for nothing).
      const readable = this.service.sources().filter((s) => s.kind === 'logdir' || existsSync(s.path));
      const lists = await Promise.all(readable.map(async (s) => (await (await this.service.daemon(s.path)).runs()).map((run) => ({ source: s.path, run }))));
      return lists.flat();
    }
    const ref = args[0] as RunRef;
    const client = await this.service.daemon(ref.source);
    switch (method) {
      case 'getSeries': {
        const request = args[2] as { points: number; fromStep?: number; toStep?: number };
        return client.series(ref.id, args[1] as string, request);
      }
      case 'getRun':
        return client.run(ref.id);
      case 'readLog': {
        const { bytes, size } = await client.log(ref.id, args[1] as string, args[2] as string, args[3] as number);
        const length = args[4] as number | undefined;
        return { bytes: (length === undefined ? bytes : bytes.subarray(0, length)).toString('base64'), size };
      }
      case 'listArtifacts':
        return client.artifacts(ref.id);
      case 'readArtifact':
        return (await client.artifact(ref.id, args[1] as string)).toString('base64');
      case 'updateRun':
        return client.updateRun(ref.id, args[1] as { name?: string; tags?: Record<string, string | null> });
      case 'deleteRun':
        return client.deleteRun(ref.id);
      case 'cancelJob':
        return client.cancelJob(ref.id);
      case 'stopRun':
        return client.stopRun(ref.id);
      case 'rerunJob':
        return client.rerun(ref.id, args[1] as Record<string, unknown> | undefined);
    }
  }

  private act(action: string, args: unknown[]): void {
    if (action === 'openCharts') this.actions.openCharts(args[0] as RunRef[]);
    else if (action === 'openSource') this.actions.openSource(args[0] as { notebook: string | null; cell_id: string | null });
    else if (action === 'saveArtifact') void this.saveArtifact(args[0] as RunRef, args[1] as { path: string });
    else if (action === 'openScript') this.actions.openScript(args[0] as string);
  }

  private async saveArtifact(ref: RunRef, artifact: { path: string }): Promise<void> {
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(artifact.path.split('/').pop() ?? 'artifact') });
    if (!target) return;
    const bytes = await (await this.service.daemon(ref.source)).artifact(ref.id, artifact.path);
    await vscode.workspace.fs.writeFile(target, bytes);
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
    const title = view.kind === 'charts' ? 'Runlane charts' : 'Runlane run';
    return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>html, body { margin: 0; padding: 0; height: 100%; background: var(--vscode-editor-background); }</style></head>
<body data-focus-logs="${focusLogs ? '1' : ''}"><div id="app"></div><script nonce="${nonce}" src="${script}"></script></body></html>`;
  }

  dispose(): void {
    this.subscriptions.forEach((d) => d.dispose());
  }
}
