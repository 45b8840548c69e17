// The daemon's warnings (Health.warnings: the system's limit of file watches reached, so it polls
// instead) as notices above the runs: one line each, what happened, what it costs and what to do,
// with a button that copies the command the warning names. Never a dialog: the runs still show.
// Asked when the list changes (at most every 10 s; a feed reset from a new daemon reloads it) and
// every minute.
import { Clipboard } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';
import type { Health } from '@runlane/protocol';
import { CheckPacer, fixCommand, warningLine } from '@runlane/ui';
import { runlaneUrl, serverRequest } from '../request';
import type { Notice, RunsSidebar } from './runsSidebar';

const KEY = 'daemon-warning-';

export function followDaemonWarnings(sidebar: RunsSidebar, settings = ServerConnection.makeSettings()): () => void {
  const request = serverRequest(settings);
  let shown = 0;
  const check = async (): Promise<void> => {
    let warnings: string[];
    try {
      warnings = ((await (await request(runlaneUrl(settings, 'api', 'v1', 'health'))).json()) as Health).warnings ?? [];
    } catch {
      return; // the daemon is away: the sidebar says so itself; ask again later
    }
    warnings.forEach((warning, i) => sidebar.setNotice(`${KEY}${i}`, noticeOf(warning)));
    for (let i = warnings.length; i < shown; i++) sidebar.setNotice(`${KEY}${i}`, null);
    shown = warnings.length;
  };
  const pacer = new CheckPacer(check, 10_000);
  const onChange = () => pacer.trigger();
  sidebar.runsChanged.connect(onChange);
  const timer = window.setInterval(onChange, 60_000);
  pacer.trigger();
  return () => {
    sidebar.runsChanged.disconnect(onChange);
    clearInterval(timer);
    pacer.dispose();
  };
}

function noticeOf(warning: string): Notice {
  const command = fixCommand(warning);
  const text = warningLine(warning);
  if (!command) return { text };
  return {
    text: `${text} To raise it:`,
    action: {
      label: 'Copy command',
      run: () => Clipboard.copyToSystem(command),
    },
  };
}
