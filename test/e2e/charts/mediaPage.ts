// The media cards' test page: the charts panel over the daemon's HTTP API with the whole host bridge
// (media methods included), as JupyterLab mounts it. Sources and theme come from the query string.
import { ChartsPanel, HttpHostBridge, type HttpSource } from '@runlane/ui';

const params = new URLSearchParams(location.search);
const sources: HttpSource[] = [
  ...params.getAll('store').map((path) => ({ kind: 'store' as const, path })),
  ...params.getAll('logdir').map((path) => ({ kind: 'logdir' as const, path })),
];
const dark = params.get('theme') === 'dark';
document.body.style.margin = '0';
document.body.style.background = dark ? '#0d1117' : '#ffffff';
const panel = new ChartsPanel(document.getElementById('app')!, new HttpHostBridge('', sources), { settings: { smoothing: 0 } });
panel.setDark(dark);
(window as unknown as { runlane: { panel: ChartsPanel; ready: Promise<void> } }).runlane = { panel, ready: panel.load() };
