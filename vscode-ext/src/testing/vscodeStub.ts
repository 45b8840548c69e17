// A stand-in for the `vscode` module in unit tests, which run outside VS Code:
//   vi.mock('vscode', () => import('../testing/vscodeStub.js'));
// Only what the views and the status item construct, and it records what they create and dispose,
// so a test can check that nothing is left subscribed.

/** Every emitter and status item made since the module was loaded (tests read and clear them). */
export const created: { emitters: EventEmitter<unknown>[]; statusItems: StatusBarItem[]; panels: WebviewPanel[] } = { emitters: [], statusItems: [], panels: [] };

export class Disposable {
  constructor(private readonly onDispose: () => void) {}
  dispose(): void {
    this.onDispose();
  }
}

export class EventEmitter<T> {
  readonly listeners = new Set<(e: T) => void>();
  disposed = false;
  constructor() {
    created.emitters.push(this as EventEmitter<unknown>);
  }
  readonly event = (listener: (e: T) => void): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };
  fire(e: T): void {
    for (const listener of [...this.listeners]) listener(e);
  }
  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

export class TreeItem {
  id?: string;
  description?: string;
  tooltip?: string;
  iconPath?: unknown;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(
    public label: string,
    public collapsibleState?: number,
  ) {}
}

export class ThemeIcon {
  constructor(
    public id: string,
    public color?: ThemeColor,
  ) {}
}

export class ThemeColor {
  constructor(public id: string) {}
}

export const TreeItemCollapsibleState = { None: 0, Collapsed: 1, Expanded: 2 } as const;
export const StatusBarAlignment = { Left: 1, Right: 2 } as const;

export class StatusBarItem {
  name = '';
  text = '';
  tooltip = '';
  command = '';
  shown = false;
  disposed = false;
  constructor(readonly id: string) {
    created.statusItems.push(this);
  }
  show(): void {
    this.shown = true;
  }
  dispose(): void {
    this.disposed = true;
  }
}


/** A webview panel as the Charts and Run-details host drives it: messages in and out are recorded. */
export class WebviewPanel {
  title: string;
  iconPath?: unknown;
  readonly posted: unknown[] = [];
  private readonly received = new EventEmitter<unknown>();
  private readonly disposed = new EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  readonly webview = {
    options: {},
    html: '',
    cspSource: 'vscode-resource:',
    asWebviewUri: (uri: Uri) => uri,
    onDidReceiveMessage: this.received.event,
    postMessage: async (message: unknown) => {
      this.posted.push(message);
      return true;
    },
  };
  constructor(
    readonly viewType: string,
    title: string,
  ) {
    this.title = title;
    created.panels.push(this);
  }
  /** A message from the page to the extension. */
  send(message: unknown): void {
    this.received.fire(message);
  }
  reveal(): void {}
  dispose(): void {
    this.disposed.fire();
  }
}

export class Uri {
  constructor(readonly fsPath: string) {}
  static file(fsPath: string): Uri {
    return new Uri(fsPath);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri([base.fsPath, ...parts].join('/'));
  }
}

export const ViewColumn = { Active: -1 } as const;
export const ColorThemeKind = { Light: 1, Dark: 2, HighContrast: 3 } as const;
export const window = {
  createStatusBarItem: (id: string): StatusBarItem => new StatusBarItem(id),
  activeColorTheme: { kind: ColorThemeKind.Light },
  onDidChangeActiveColorTheme: new EventEmitter<unknown>().event,
  registerWebviewPanelSerializer: () => new Disposable(() => undefined),
  createWebviewPanel: (viewType: string, title: string) => new WebviewPanel(viewType, title),
};
export const workspace = {
  getConfiguration: () => ({ get: <T>(_key: string, fallback: T): T => fallback }),
};
