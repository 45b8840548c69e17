// The runs table's test page: the shared RunsTable over the daemon's HTTP API (proxied by the charts
// harness), as JupyterLab's table tab mounts it. Sources and the experiment come from the query string.
import { HttpHostBridge, RunsTable, type HttpSource } from '@runlane/ui';

const params = new URLSearchParams(location.search);
const sources: HttpSource[] = params.getAll('store').map((path) => ({ kind: 'store' as const, path }));
document.body.style.margin = '0';
const host = document.getElementById('app')!;
host.style.cssText = 'position:absolute; inset:0; display:flex;';
const table = new RunsTable(host, new HttpHostBridge('', sources), { experiment: params.get('experiment'), actions: { openCharts: () => {}, saveText: () => {} } });
table.root.style.flex = '1';
(window as unknown as { runlane: { ready: Promise<void> } }).runlane = { ready: table.load() };
