// The MLflow read benchmarks' page: JupyterLab's Runs sidebar (the real widget) and the shared charts
// panel over the daemon's API with an MLflow server as the source (`?mlflow=`), timed in the page.
import { Widget } from '@lumino/widgets';
import { ChartsPanel, HttpHostBridge, type ChartsBridge, type RunRef } from '@runlane/ui';
import type { StoreEvent } from '@runlane/protocol';
import { RunsSidebar } from '../../../jupyterlab-ext/src/sidebar/runsSidebar';
import { SourcesBridge } from '../../../jupyterlab-ext/src/sources';
import css from '../../../jupyterlab-ext/style/base.css';

const style = document.createElement('style');
style.textContent = `${css}\nhtml, body { margin: 0; height: 100%; } #runlane-runs { position: absolute; inset: 0 auto 0 0; width: 320px; } #app { position: absolute; inset: 0 0 0 330px; }`;
document.head.appendChild(style);
const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

(window as unknown as { bench: unknown }).bench = {
  /**
   * The sidebar opened on the server: ms to the first painted list (rows in the DOM, runs in it), then
   * ms until all `total` runs are listed (the daemon pages the rest in; they arrive on the feed).
   */
  async sidebar(uri: string, total: number, timeoutMs: number) {
    const start = performance.now();
    const bridge = new SourcesBridge((source) => new HttpHostBridge('', [source]), '/api/v1/events?all=1');
    bridge.add({ kind: 'mlflow', path: uri, why: 'the bench server', removable: true });
    const sidebar = new RunsSidebar({ bridge, label: (folder) => folder });
    Widget.attach(sidebar, document.body);
    await sidebar.load();
    await frame();
    const ms = performance.now() - start;
    const rows = document.querySelectorAll('.rl-run-row').length;
    const runs = sidebar.allRuns().length;
    while (sidebar.allRuns().length < total && performance.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 100));
    const allMs = performance.now() - start;
    const listed = sidebar.allRuns().length;
    sidebar.dispose();
    return { ms, rows, runs, allMs, listed };
  },

  /** The charts panel of `ids`: ms from opening it to the complete chart (every series drawn). */
  async charts(uri: string, ids: string[]) {
    let lastSeriesAt = 0;
    const http = new HttpHostBridge('', [{ kind: 'mlflow', path: uri }]);
    const bridge: ChartsBridge = {
      listRuns: () => http.listRuns(),
      subscribe: (onEvent) => http.subscribe(onEvent),
      getSeries: async (...args) => {
        const series = await http.getSeries(...args);
        lastSeriesAt = performance.now();
        return series;
      },
    };
    const host = document.getElementById('app')!;
    const start = performance.now();
    const runs: RunRef[] = ids.map((id) => ({ source: uri, id }));
    const panel = new ChartsPanel(host, bridge, { runs, settings: { smoothing: 0.6 } });
    await panel.load();
    await new Promise((r) => requestAnimationFrame(r)); // echarts draws in its own frame callback
    const ms = performance.now() - start;
    const drawn = host.querySelectorAll('canvas').length;
    panel.dispose();
    return { ms, fetchedMs: lastSeriesAt - start, drawn };
  },

  /**
   * Follows the server's feed as a chart of `runId` does, and keeps for each point of `key` the
   * moment it was drawn (the frame after it arrived), in epoch ms beside the time MLflow stored.
   */
  follow(uri: string, runId: string, key: string) {
    const lags: { step: number; loggedMs: number; shownMs: number }[] = [];
    const http = new HttpHostBridge('', [{ kind: 'mlflow', path: uri }]);
    const host = document.getElementById('app')!;
    const panel = new ChartsPanel(host, http, { runs: [{ source: uri, id: runId }] });
    const stop = http.subscribe((event: StoreEvent) => {
      if (event.type !== 'metrics' || event.run_id !== runId || event.key !== key) return;
      requestAnimationFrame(() => {
        const shownMs = Date.now();
        event.steps.forEach((step, i) => lags.push({ step, loggedMs: event.times[i]! * 1000, shownMs }));
      });
    });
    const w = window as unknown as { live: unknown };
    w.live = { lags, stop: () => (stop(), panel.dispose()) };
    return panel.load();
  },
};
