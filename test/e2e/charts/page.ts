// The charts test page: the shared UI mounted as an editor would mount it, over the daemon's HTTP
// API (proxied by the harness on this origin). Sources come from the query string.
import { ChartsPanel, HttpHostBridge, type HttpSource } from '@runlane/ui';

const params = new URLSearchParams(location.search);
const sources: HttpSource[] = [
  ...params.getAll('store').map((path) => ({ kind: 'store' as const, path })),
  ...params.getAll('logdir').map((path) => ({ kind: 'logdir' as const, path })),
];
const dark = params.get('theme') === 'dark';
document.body.style.margin = '0';
document.body.style.background = dark ? '#0d1117' : '#ffffff';
const panel = new ChartsPanel(document.getElementById('app')!, new HttpHostBridge('', sources), { settings: { smoothing: 0.6 } });
panel.setDark(dark);
const w = window as unknown as { runlane: { panel: ChartsPanel; ready: Promise<void> } };
w.runlane = { panel, ready: panel.load() };
