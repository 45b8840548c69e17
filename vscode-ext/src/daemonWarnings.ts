// The daemon's warnings (Health.warnings: the system's limit of file watches reached, so it polls
// instead) as one line in the Runs view's message, where the runs are: what happened, what it costs
// and what to do. Never a modal: the runs still show. Written once to the Runlane output too.
// Asked when the runs change (at most every 10 s), on a feed reset (a new daemon) and every minute;
// never starts a daemon for nothing (only once a store is shown).
import * as vscode from 'vscode';
import { CheckPacer, fixCommand, warningLine } from '@runlane/ui';
import type { RunlaneService } from './service';

export class DaemonWarnings implements vscode.Disposable {
  private readonly pacer = new CheckPacer(() => this.check(), 10_000);
  private readonly subscriptions: vscode.Disposable[];
  private readonly timer: NodeJS.Timeout;
  private readonly logged = new Set<string>();
  private line = '';

  constructor(
    private readonly service: RunlaneService,
    private readonly log: vscode.OutputChannel,
    /** Shows the line (empty: none). */
    private readonly show: (line: string) => void,
  ) {
    this.subscriptions = [service.onDidChange(() => this.pacer.trigger()), service.onEvent((event) => event.type === 'reset' && this.pacer.trigger())];
    this.timer = setInterval(() => this.pacer.trigger(), 60_000);
  }

  private async check(): Promise<void> {
    if (!this.service.store) return;
    let warnings: string[];
    try {
      warnings = (await (await this.service.daemon()).health()).warnings ?? [];
    } catch {
      return; // the daemon is away: the service says so; ask again later
    }
    for (const w of warnings.filter((w) => !this.logged.has(w))) {
      this.logged.add(w);
      this.log.appendLine(w);
    }
    const line = warnings.map((w) => `⚠ ${warningLine(w)}${fixCommand(w) ? ` To raise it: ${fixCommand(w)}` : ''}`).join(' ');
    if (line !== this.line) this.show((this.line = line));
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    clearInterval(this.timer);
    this.pacer.dispose();
  }
}
