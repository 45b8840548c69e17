// One run's details (the shared view of shared/ui) in a main-area tab; the plugin keeps its title
// current (renames, and a short id when another run shares the name).
import type { IThemeManager } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { RunDetailsView, type HostBridge, type RunDetailsActions, type RunRef } from '@runlane/ui';
import { followTheme } from './themeWatcher';

let counter = 0;

export class DetailsWidget extends Widget {
  private readonly view: RunDetailsView;
  private readonly unfollow: () => void;

  constructor(bridge: HostBridge, readonly ref: RunRef, label: string, themes: IThemeManager | null, actions: RunDetailsActions) {
    super();
    this.id = `runlane-details-${++counter}`;
    this.addClass('rl-details-widget');
    this.title.label = label;
    this.title.caption = `Runlane run ${ref.id}`;
    this.title.closable = true;
    this.view = new RunDetailsView(this.node, bridge, ref, actions);
    this.unfollow = followTheme(themes, (dark) => this.view.setDark(dark));
    void this.view.load();
  }

  /** Scrolls to the logs (the "Show logs" command). */
  showLogs(): void {
    requestAnimationFrame(() => this.node.querySelector('.rl-logs')?.scrollIntoView({ block: 'start' }));
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
