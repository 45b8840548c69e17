// One run's details (the shared view of shared/ui) in a main-area tab.
import type { IThemeManager } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { RunDetailsView, type RunDetailsActions, type RunRef } from '@runlane/ui';
import type { RunlaneConnection } from '../connection';
import { followTheme } from './themeWatcher';

export class DetailsWidget extends Widget {
  private readonly view: RunDetailsView;
  private readonly unfollow: () => void;

  constructor(connection: RunlaneConnection, ref: RunRef, name: string, themes: IThemeManager | null, actions: RunDetailsActions) {
    super();
    this.id = `runlane-details-${ref.id}`;
    this.addClass('rl-details-widget');
    this.title.label = name;
    this.title.caption = `Runlane run ${ref.id}`;
    this.title.closable = true;
    this.view = new RunDetailsView(this.node, connection.bridge, ref, actions);
    this.unfollow = followTheme(themes, (dark) => this.view.setDark(dark));
    void this.view.load();
  }

  /** Scrolls to the logs (the "Show logs" command). */
  showLogs(): void {
    requestAnimationFrame(() => this.node.querySelector('.rl-logs')?.scrollIntoView({ block: 'start' }));
  }

  override dispose(): void {
    this.unfollow();
    this.view.dispose();
    super.dispose();
  }
}
