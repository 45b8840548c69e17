// The test page of the JupyterLab Runs sidebar alone (the real widget) over the daemon's API, for
// the store named in `?store=`: what JupyterLab's page does, without JupyterLab's start-up.
import { Widget } from '@lumino/widgets';
import { HttpHostBridge } from '@runlane/ui';
import { RunsSidebar } from '../../../jupyterlab-ext/src/sidebar/runsSidebar';
import { SourcesBridge } from '../../../jupyterlab-ext/src/sources';
import css from '../../../jupyterlab-ext/style/base.css';

const style = document.createElement('style');
style.textContent = `${css}\nhtml, body { margin: 0; height: 100%; } #runlane-runs { position: absolute; inset: 0 auto 0 0; width: 320px; }`;
document.head.appendChild(style);
const store = new URLSearchParams(location.search).get('store')!;
const bridge = new SourcesBridge((source) => new HttpHostBridge('', [source]), '/api/v1/events?all=1');
bridge.add({ kind: 'store', path: store, why: 'the test store', removable: false });
const sidebar = new RunsSidebar({ bridge, label: (folder) => folder });
Widget.attach(sidebar, document.body);
void sidebar.load();
