// The shared charts panel (shared/ui) in a main-area tab, fed by the daemon's API through the
// Jupyter server, live. Its title names its runs and follows renames (the plugin calls `retitle`).
import type { IThemeManager } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { ChartsPanel, type ChartSettings, type HostBridge, type RunRef } from '@runlane/ui';
import { followTheme } from './themeWatcher';

let counter = 0;

export class ChartsWidget extends Widget {
  private readonly panel: ChartsPanel;
  private readonly unfollow: () => void;

  /** `runs`: the runs shown (null: all, following new ones). */
  constructor(bridge: HostBridge, readonly runs: RunRef[] | null, themes: IThemeManager | null, settings: Partial<ChartSettings>) {
    super();
    this.id = `runlane-charts-${++counter}`;
    this.addClass('rl-charts-widget');
    this.title.closable = true;
    this.panel = new ChartsPanel(this.node, bridge, { runs: runs ?? undefined, followNewRuns: runs === null, settings });
    this.unfollow = followTheme(themes, (dark) => this.panel.setDark(dark));
    void this.panel.load();
  }

  /** Closing the tab ends the view (a plain Lumino widget is only detached on close: a closed tab kept
   * its feed, and opening the same run again found it undisposed and brought back nothing). */
  protected override onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  override dispose(): void {
    this.unfollow();
    this.panel.dispose();
    super.dispose();
  }
}
