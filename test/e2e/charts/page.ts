// The charts test page: the shared UI mounted as an editor would mount it, over the daemon's HTTP
// API (proxied by the harness on this origin). Sources come from the query string.
import { ChartsPanel, HttpHostBridge, type ChartsBridge, type HttpSource } from '@runlane/ui';

const params = new URLSearchParams(location.search);
const sources: HttpSource[] = [
  ...params.getAll('store').map((path) => ({ kind: 'store' as const, path })),
  ...params.getAll('logdir').map((path) => ({ kind: 'logdir' as const, path })),
];
const dark = params.get('theme') === 'dark';
document.body.style.margin = '0';
document.body.style.background = dark ? '#0d1117' : '#ffffff';
// Timing for the rendering benchmark: when the last series answer arrived.
const timing = { lastSeriesAt: 0 };
const http = new HttpHostBridge('', sources);
const bridge: ChartsBridge = {
  listRuns: () => http.listRuns(),
  subscribe: (onEvent) => http.subscribe(onEvent),
  getSeries: async (...args) => {
    const series = await http.getSeries(...args);
    timing.lastSeriesAt = performance.now();
    return series;
  },
};
const panel = new ChartsPanel(document.getElementById('app')!, bridge, { settings: { smoothing: 0.6 } });
panel.setDark(dark);
const w = window as unknown as { runlane: { panel: ChartsPanel; ready: Promise<void>; timing: typeof timing } };
w.runlane = { panel, ready: panel.load(), timing };
