// The Charts and Run-details panels: webviews that mount the shared views of shared/ui. The page
// implements its HostBridge over typed messages (shared/protocol/src/webview.ts), answered here from
// the daemon's client; the page says `ready` before anything is sent to it. A strict
// Content-Security-Policy (scripts only with this panel's nonce), resources only from the bundle, the
// view kept with the webview's state and restored after a reload by the serializer.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { BridgeMethod, HostToWebview, PanelView, RunRef, WebviewToHost } from '@runlane/protocol';
import { PanelTypes } from './commandIds';
import type { RunlaneService } from './service';

export interface PanelActions {
  openCharts(runs: RunRef[]): void;
  openSource(run: { notebook: string | null; cell_id: string | null }): void;
}

export class RunlanePanels implements vscode.Disposable {
  private readonly details = new Map<string, vscode.WebviewPanel>();
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
  }

  openCharts(runs: RunRef[] | null): void {
    const title = runs ? (runs.length === 1 ? `Charts: ${this.service.run(runs[0]!.id)?.name ?? runs[0]!.id}` : `Charts: ${runs.length} runs`) : 'Charts: all runs';
    const panel = vscode.window.createWebviewPanel(PanelTypes.charts, title, vscode.ViewColumn.Active, this.options());
    this.attach(panel, { kind: 'charts', runs });
  }

  openDetails(run: RunRef, focusLogs = false): void {
    const open = this.details.get(run.id);
    if (open) {
      open.reveal();
      return;
    }
    const name = this.service.run(run.id)?.name ?? run.id;
    const panel = vscode.window.createWebviewPanel(PanelTypes.details, name, vscode.ViewColumn.Active, this.options());
    this.details.set(run.id, panel);
    panel.onDidDispose(() => this.details.delete(run.id));
    this.attach(panel, { kind: 'details', run }, focusLogs);
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist')] };
  }

  private attach(panel: vscode.WebviewPanel, view: PanelView, focusLogs = false): void {
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'runlane.svg');
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
    panel.onDidDispose(() => disposables.forEach((d) => d.dispose()));
  }

  /** One HostBridge call from a page, answered with the daemon's client (bytes as base64). */
  private async answer(method: BridgeMethod, args: unknown[]): Promise<unknown> {
    const client = await this.service.daemon();
    const ref = args[0] as RunRef;
    switch (method) {
      case 'listRuns':
        return (await client.runs()).map((run) => ({ source: this.service.store, run }));
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
      case 'rerunJob':
        return client.rerun(ref.id, args[1] as Record<string, unknown> | undefined);
    }
  }

  private act(action: string, args: unknown[]): void {
    if (action === 'openCharts') this.actions.openCharts(args[0] as RunRef[]);
    else if (action === 'openSource') this.actions.openSource(args[0] as { notebook: string | null; cell_id: string | null });
    else if (action === 'saveArtifact') void this.saveArtifact(args[0] as RunRef, args[1] as { path: string });
  }

  private async saveArtifact(ref: RunRef, artifact: { path: string }): Promise<void> {
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(artifact.path.split('/').pop() ?? 'artifact') });
    if (!target) return;
    const bytes = await (await this.service.daemon()).artifact(ref.id, artifact.path);
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
