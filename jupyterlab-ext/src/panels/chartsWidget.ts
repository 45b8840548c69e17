// The shared charts panel (shared/ui) in a main-area tab, fed by the daemon's API through the
// Jupyter server, live. Its title names its runs and follows renames (the plugin calls `retitle`).
import type { IThemeManager } from '@jupyterlab/apputils';
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

  override dispose(): void {
    this.unfollow();
    this.panel.dispose();
    super.dispose();
  }
}
