// The sweep view's test page: the shared SweepView over the daemon's HTTP API (proxied by the charts
// harness), as the editors' sweep panels mount it. The store and the sweep run come from the query;
// with `details=RUN`, that run's details view instead (its "Open sweep" button), as the editors mount it.
import { HttpHostBridge, RunDetailsView, SweepView, type HttpSource, type RunRef } from '@runlane/ui';

const params = new URLSearchParams(location.search);
const store = params.get('store')!;
const sources: HttpSource[] = [{ kind: 'store', path: store }];
const dark = params.get('theme') === 'dark';
document.body.style.margin = '0';
document.body.style.background = dark ? '#0d1117' : '#ffffff';
const bridge = new HttpHostBridge('', sources);
const host = document.getElementById('app')!;
/** What the page asked its host to open: charts (run ids) and sweeps (the sweep's id). */
const opened: string[][] = [];
const sweeps: RunRef[] = [];
const details = params.get('details');
const view = details
  ? new RunDetailsView(host, bridge, { source: store, id: details }, { openSweep: (ref) => sweeps.push(ref) })
  : new SweepView(host, bridge, { source: store, id: params.get('sweep')! }, { openCharts: (runs) => opened.push(runs.map((r) => r.id)) });
view.setDark(dark);
// `view`: the tests read the curves panel's charts (zoom kept across a new trial) through it.
(window as unknown as { runlane: { ready: Promise<void>; opened: string[][]; sweeps: RunRef[]; view: unknown } }).runlane = { ready: view.load(), opened, sweeps, view };
