// The sweep view's test page: the shared SweepView over the daemon's HTTP API (proxied by the charts
// harness), as the editors' sweep panels mount it. The store and the sweep run come from the query.
import { HttpHostBridge, SweepView, type HttpSource } from '@runlane/ui';

const params = new URLSearchParams(location.search);
const store = params.get('store')!;
const sources: HttpSource[] = [{ kind: 'store', path: store }];
const dark = params.get('theme') === 'dark';
document.body.style.margin = '0';
document.body.style.background = dark ? '#0d1117' : '#ffffff';
const opened: string[][] = [];
const view = new SweepView(document.getElementById('app')!, new HttpHostBridge('', sources), { source: store, id: params.get('sweep')! }, {
  openCharts: (runs) => opened.push(runs.map((r) => r.id)),
});
view.setDark(dark);
(window as unknown as { runlane: { ready: Promise<void>; opened: string[][] } }).runlane = { ready: view.load(), opened };
