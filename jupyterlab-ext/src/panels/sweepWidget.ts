// A sweep run's live view (the shared SweepView of shared/ui/src/sweeps) in a main-area tab: its
// trials, best so far, parallel coordinates and curves, following the daemon's feed.
import type { IThemeManager } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { SweepView, type HostBridge, type RunRef, type SweepViewActions } from '@runlane/ui';
import { followTheme } from './themeWatcher';

let counter = 0;

export class SweepWidget extends Widget {
  private readonly view: SweepView;
  private readonly unfollow: () => void;

  constructor(bridge: HostBridge, readonly ref: RunRef, label: string, themes: IThemeManager | null, actions: SweepViewActions) {
    super();
    this.id = `runlane-sweep-${++counter}`;
    this.addClass('rl-sweep-widget');
    this.title.label = `Sweep: ${label}`;
    this.title.caption = `Runlane sweep ${ref.id}`;
    this.title.closable = true;
    this.node.style.overflow = 'auto';
    this.view = new SweepView(this.node, bridge, ref, actions);
    this.unfollow = followTheme(themes, (dark) => this.view.setDark(dark));
    void this.view.load();
  }

  /** Closing the tab ends the view (a plain Lumino widget is only detached on close: a closed tab kept
   * its feed, and opening the same run again found it undisposed and brought back nothing). */
  protected override onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  override dispose(): void {
    this.unfollow();
    this.view.dispose();
    super.dispose();
  }
}
