// The bench page: the shared runs table (the real view) over an in-memory bridge holding 10,000 runs
// x 200 columns (6 fixed, 94 params, 100 metrics), and, as the anchor, the same rows and columns in a
// plain <table> with every cell in the DOM. The runs are built before either clock starts: what is
// timed is the table's own work (columns, sort, window, first paint), not the transfer.
import type { RunSummary, StoreEvent } from '@runlane/protocol';
import { buildColumns, cellText, RunsTable, type HostBridge } from '@runlane/ui';

const RUNS = Number(new URLSearchParams(location.search).get('runs') ?? 10_000);
const PARAMS = 94;
const METRICS = 100;
const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

function makeRuns(): { source: string; run: RunSummary }[] {
  const statuses = ['finished', 'finished', 'failed', 'running'] as const;
  return Array.from({ length: RUNS }, (_, i) => {
    const params: Record<string, unknown> = {};
    for (let p = 0; p < PARAMS; p++) params[`p${String(p).padStart(2, '0')}`] = p % 3 === 0 ? `opt${(i + p) % 7}` : ((i * 31 + p * 17) % 1000) / 1000;
    const metrics: RunSummary['metrics'] = {};
    for (let m = 0; m < METRICS; m++) {
      const v = ((i * 13 + m * 7) % 997) / 997;
      metrics[`${m % 2 ? 'train' : 'val'}/m${String(m).padStart(2, '0')}`] = { count: 100, last: v, min: v / 2, max: v * 2 };
    }
    const run: RunSummary = {
      id: `run-${i}`, name: `sweep ${i}`, experiment: 'bench', status: statuses[i % 4]!, kind: 'script', created_at: 1.76e9 + i, started_at: 1.76e9 + i, ended_at: null,
      duration: 30 + (i % 500), notebook: null, cell_id: null, execution_count: null, params, tags: i % 5 ? {} : { best: '' }, metrics, ranks: [], error: null, exit_code: null,
    };
    return { source: '/bench', run };
  });
}

const listed = makeRuns();
const listeners = new Set<(e: StoreEvent) => void>();
const fail = () => Promise.reject(new Error('not in the bench'));
const bridge: HostBridge = {
  listRuns: () => Promise.resolve(listed),
  getSeries: fail, getRun: fail, readLog: fail, listArtifacts: fail, readArtifact: fail, updateRun: fail, deleteRun: fail, cancelJob: fail, rerunJob: fail,
  subscribe: (l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

/** Frame times while `step(i)` moves the view, one step per frame (60 fps is 16.7 ms). */
async function scroll(step: (i: number) => void, steps = 90): Promise<{ meanMs: number; p95Ms: number; fps: number }> {
  const times: number[] = [];
  await frame();
  for (let i = 1; i <= steps; i++) {
    const t = performance.now();
    step(i);
    await new Promise((r) => requestAnimationFrame(r)); // the grid draws the new window in this frame
    await new Promise((r) => requestAnimationFrame(r)); // ... and the frame after is painted
    times.push((performance.now() - t) / 2);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return { meanMs: mean, p95Ms: sorted[Math.floor(sorted.length * 0.95)]!, fps: 1000 / mean };
}

async function openTable(): Promise<{ ms: number; cells: number; table: RunsTable; host: HTMLElement }> {
  const host = document.createElement('div');
  host.style.cssText = 'position:absolute; inset:0; display:flex;';
  document.body.append(host);
  localStorage.clear();
  const start = performance.now();
  const table = new RunsTable(host, bridge, { experiment: 'bench', actions: { openCharts: () => {}, saveText: () => {} } });
  table.root.style.flex = '1';
  await table.load();
  await frame();
  return { ms: performance.now() - start, cells: host.querySelectorAll('.rl-cell').length, table, host };
}

/** The anchor: the same rows and columns, every cell in a plain <table>. */
async function plainTable(): Promise<{ ms: number; scroll: { meanMs: number; p95Ms: number; fps: number } }> {
  const start = performance.now();
  const runs = listed.map((r) => r.run);
  const columns = buildColumns(runs);
  const wrap = document.createElement('div');
  wrap.style.cssText = 'position:absolute; inset:0; overflow:auto; font: 12px system-ui';
  const table = document.createElement('table');
  const head = document.createElement('tr');
  for (const c of columns) head.append(Object.assign(document.createElement('th'), { textContent: c.label }));
  const body = document.createElement('tbody');
  for (const run of runs) {
    const tr = document.createElement('tr');
    for (const c of columns) tr.append(Object.assign(document.createElement('td'), { textContent: cellText(c, run) }));
    body.append(tr);
  }
  table.append(head, body);
  wrap.append(table);
  document.body.append(wrap);
  await frame();
  const ms = performance.now() - start;
  const scrolled = await scroll((i) => (wrap.scrollTop = (wrap.scrollHeight * i) / 90), 30);
  wrap.remove();
  return { ms, scroll: scrolled };
}

(window as unknown as { bench: unknown }).bench = {
  async run(withPlain: boolean) {
    const opened = await openTable();
    const grid = opened.host.querySelector('.rl-grid') as HTMLElement;
    // A wheel or trackpad: 120 px a frame (7,200 px/s), a few rows enter each frame.
    const wheel = await scroll((i) => (grid.scrollTop = 120 * i), 120);
    grid.scrollTop = 0;
    // Dragging the scrollbar end to end: every frame shows rows none of the last frame showed.
    const down = await scroll((i) => (grid.scrollTop = ((grid.scrollHeight - grid.clientHeight) * i) / 90));
    const across = await scroll((i) => (grid.scrollLeft = ((grid.scrollWidth - grid.clientWidth) * i) / 90));
    // The table's own work per scroll step, apart from frame pacing (on a loaded machine a frame waits
    // for the CPU): the window drawn at once and the layout forced, timed together.
    const draw = (opened.table as unknown as { grid: { draw(): void } }).grid;
    const work: number[] = [];
    for (let i = 1; i <= 90; i++) {
      const t = performance.now();
      grid.scrollTop = ((grid.scrollHeight - grid.clientHeight) * i) / 90;
      grid.scrollLeft = ((grid.scrollWidth - grid.clientWidth) * (90 - i)) / 90;
      draw.draw();
      void grid.querySelector('.rl-grid-row')?.getBoundingClientRect(); // layout, as the paint would
      work.push(performance.now() - t);
    }
    const stepMs = work.reduce((a, b) => a + b, 0) / work.length;
    const stepP95 = [...work].sort((a, b) => a - b)[Math.floor(work.length * 0.95)]!;
    // Live: 100 runs log a point each, as a sweep does; the rows in view are redrawn, nothing else.
    const liveStart = performance.now();
    for (let i = 0; i < 100; i++) for (const l of listeners) l({ type: 'metrics', store: '/bench', run_id: `run-${9999 - i}`, key: 'val/m00', rank: null, steps: [101], times: [1.76e9], values: [0.5] });
    await frame();
    const liveMs = performance.now() - liveStart;
    const columns = (opened.host.querySelector('.rl-grid-head')?.children.length ?? 0) - 2; // less the box and the gap
    opened.table.dispose();
    opened.host.remove();
    const plain = withPlain ? await plainTable() : null;
    return { runs: RUNS, openMs: opened.ms, cellsInDom: opened.cells, columnsInDom: columns, wheel, down, across, stepMs, stepP95, liveMs, plain };
  },
};
