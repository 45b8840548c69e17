// A stand-in for the `vscode` module in unit tests, which run outside VS Code:
//   vi.mock('vscode', () => import('../testing/vscodeStub.js'));
// Only what the views and the status item construct, and it records what they create and dispose,
// so a test can check that nothing is left subscribed.

/** Every emitter and status item made since the module was loaded (tests read and clear them). */
export const created: { emitters: EventEmitter<unknown>[]; statusItems: StatusBarItem[] } = { emitters: [], statusItems: [] };

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

export const window = {
  createStatusBarItem: (id: string): StatusBarItem => new StatusBarItem(id),
};
