// The bench page: JupyterLab's Runs sidebar (the real widget) over the daemon's API, and, as the
// anchor, the same 10,000 rows rendered the plain way (every row in the DOM), timed to first paint.
import { Widget } from '@lumino/widgets';
import { HttpHostBridge } from '@runlane/ui';
import type { RunSummary } from '@runlane/protocol';
import { RunsSidebar } from '../../../jupyterlab-ext/src/sidebar/runsSidebar';
import { SourcesBridge } from '../../../jupyterlab-ext/src/sources';
import css from '../../../jupyterlab-ext/style/base.css';

const style = document.createElement('style');
style.textContent = `${css}\nhtml, body { margin: 0; height: 100%; } #runlane-runs { position: absolute; inset: 0 auto 0 0; width: 320px; }`;
document.head.appendChild(style);
const store = new URLSearchParams(location.search).get('store')!;
const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

async function openSidebar(): Promise<{ ms: number; fullMs: number; rows: number; sidebar: RunsSidebar }> {
  const start = performance.now();
  const bridge = new SourcesBridge((source) => new HttpHostBridge('', [source]), '/api/v1/events?all=1');
  bridge.add({ kind: 'store', path: store, why: 'the bench store', removable: false });
  const sidebar = new RunsSidebar({ bridge, label: (folder) => folder });
  Widget.attach(sidebar, document.body);
  // First paint: the frame after the first rows entered the DOM (the newest runs come first; the
  // whole list follows). A MutationObserver sees the rows as they are added, whatever runs next.
  let ms = NaN;
  const painted = new Promise<void>((resolve) => {
    const observer = new MutationObserver(() => {
      if (!document.querySelector('.rl-run-row')) return;
      observer.disconnect();
      requestAnimationFrame(() => ((ms = performance.now() - start), resolve()));
    });
    observer.observe(document.body, { childList: true, subtree: true });
  });
  await sidebar.load();
  await frame();
  const fullMs = performance.now() - start;
  await painted;
  return { ms, fullMs, rows: document.querySelectorAll('.rl-run-row').length, sidebar };
}

async function scroll(node: HTMLElement): Promise<{ meanMs: number; maxMs: number }> {
  const times: number[] = [];
  for (let i = 1; i <= 60; i++) {
    const t = performance.now();
    node.scrollTop = (node.scrollHeight * i) / 60;
    node.dispatchEvent(new Event('scroll'));
    await new Promise((r) => requestAnimationFrame(r)); // the list redraws in this frame
    times.push(performance.now() - t);
  }
  return { meanMs: times.reduce((a, b) => a + b, 0) / times.length, maxMs: Math.max(...times) };
}

/** The anchor: the same runs from the same API, every row in the DOM. */
async function plainList(): Promise<number> {
  const start = performance.now();
  const runs = (await (await fetch(`/api/v1/runs?store=${encodeURIComponent(store)}`)).json()) as RunSummary[];
  const list = document.createElement('div');
  list.style.cssText = 'position:absolute; left:340px; top:0; bottom:0; width:320px; overflow:auto';
  for (const run of runs) {
    const row = document.createElement('div');
    row.className = 'rl-plain-row';
    row.style.height = '44px';
    const name = document.createElement('div');
    name.textContent = run.name;
    const facts = document.createElement('div');
    facts.textContent = `${run.experiment} · ${run.status}`;
    row.append(name, facts);
    list.appendChild(row);
  }
  document.body.appendChild(list);
  await frame();
  const ms = performance.now() - start;
  list.remove();
  return ms;
}

/** Where a run list request spent its time, from the sidebar's start (ms): first byte, last byte. */
function listTiming(start: number, which: 'page' | 'full'): { firstByteMs: number; lastByteMs: number; bytes: number } {
  const lists = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/runs?')) as PerformanceResourceTiming[];
  const entry = which === 'page' ? lists.find((e) => e.name.includes('limit=')) : lists.find((e) => !e.name.includes('limit='));
  return { firstByteMs: (entry?.responseStart ?? NaN) - start, lastByteMs: (entry?.responseEnd ?? NaN) - start, bytes: entry?.encodedBodySize ?? NaN };
}

(window as unknown as { bench: unknown }).bench = {
  /** The sidebar alone, as the first thing the page does (the daemon may not be running yet). */
  async cold() {
    const start = performance.now();
    const opened = await openSidebar();
    const full = listTiming(start, 'full');
    return { openMs: opened.ms, fullMs: opened.fullMs, renderedRows: opened.rows, runs: opened.sidebar.allRuns().length, ...listTiming(start, 'page'), fullBytes: full.bytes, fullLastByteMs: full.lastByteMs };
  },
  async run() {
    const plainMs = await plainList();
    const opened = await openSidebar();
    const scrolled = await scroll(document.querySelector('.rl-vlist') as HTMLElement);
    const count = opened.sidebar.allRuns().length;
    return { openMs: opened.ms, fullMs: opened.fullMs, renderedRows: opened.rows, runs: count, plainMs, scroll: scrolled };
  },
};
