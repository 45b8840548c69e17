// One run in full, the same in JupyterLab and VS Code: what it is (status, target, duration), its
// params, metrics and tags, the error, the cell's source with a diff against the previous run of the
// same cell, the environment, the logs (ANSI colours, live while it runs) and the artifacts.
// Everything the run carries is user text and is rendered as text.
import { diffLines } from 'diff';
import { fromJsonNumber, InbandDemux, type ArtifactInfo, type RunDetail, type RunRef, type StoreEvent } from '@runlane/protocol';
import { formatValue } from '../charts/scalarOption.js';
import type { HostBridge } from '../hostBridge.js';
import { ansiFragment } from './ansi.js';
import { el } from './dom.js';
import { installStyles } from './styles.js';
import { countOf, formatBytes, formatParam, formatTime } from './format.js';
import { elapsedText } from '../common/elapsedTime.js';
import { runTargetText } from '../common/targetLabels.js';
import { SystemSummary } from './systemSummary.js';
import { NoteEditor } from './noteEditor.js';
import { sweepIdOf } from '../sweeps/trials.js';
import { isReadOnlyRun, isRunlaneTag, runlaneTagsText } from '../runs/runList.js';

/** What the host does for the view's buttons (each optional: a host without it shows no button). */
export interface RunDetailsActions {
  openCharts?(ref: RunRef): void;
  /** Opens the notebook and scrolls to the cell the run came from. */
  openSource?(run: RunDetail): void;
  /** Saves an artifact (hosts whose page cannot download a blob, like a VS Code webview). */
  saveArtifact?(ref: RunRef, artifact: ArtifactInfo): void;
  /** Stops the run while it runs (contract C2: a job is cancelled, a cell or script interrupted). */
  stopRun?(ref: RunRef): Promise<void>;
  /** Opens the script a script run came from (`path`: absolute, from `scriptPathOf`). */
  openScript?(run: RunDetail, path: string): void;
  /** Opens the sweep view of a sweep run, or of the sweep a trial belongs to (sweeps/sweepView.ts). */
  openSweep?(ref: RunRef): void;
}

/**
 * The script a script run came from (absolute), or null: the helper records it in the run's meta
 * (`script`); cell runs have a notebook instead, and a job's workers run Runlane's own module.
 */
export function scriptPathOf(run: Pick<RunDetail, 'kind' | 'meta' | 'notebook'>): string | null {
  if ((run.kind !== 'script' && run.kind !== 'job') || run.notebook) return null; // a job runs a cell or a script
  const script = run.meta?.script;
  return typeof script === 'string' && script.startsWith('/') ? script : null;
}

/** Runs read from files or servers Runlane does not write: their note is shown, not edited. */

/** The log shown in the page stops here; the stored log keeps everything. */
const MAX_SHOWN_LOG = 2 << 20;
/** One read of a log: a big log arrives in pieces, never in one response. */
const LOG_READ = 256 << 10;

interface LogView {
  writer: string;
  stream: string;
  offset: number;
  shown: number;
  decoder: TextDecoder;
  demux: InbandDemux;
  pre: HTMLElement;
  reading: Promise<void>;
}

export class RunDetailsView {
  private readonly root: HTMLElement;
  private run: RunDetail | null = null;
  private readonly logs = new Map<string, LogView>();
  private unsubscribe: () => void = () => {};
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private system: SystemSummary | null = null; // peaks and means of the run's system/* metrics
  // Kept across re-renders (outside the summary), so a note being typed survives a live refresh.
  private readonly note = new NoteEditor(async (patch) => (await this.bridge.updateRun(this.ref, patch)).note);

  constructor(
    host: HTMLElement,
    private readonly bridge: HostBridge,
    private readonly ref: RunRef,
    private readonly actions: RunDetailsActions = {},
  ) {
    installStyles(host.ownerDocument);
    this.root = el('div', { className: 'rl-root rl-details' });
    host.appendChild(this.root);
  }

  async load(): Promise<void> {
    this.root.replaceChildren(el('div', { className: 'rl-status', textContent: 'loading…' }));
    try {
      this.run = await this.bridge.getRun(this.ref);
    } catch (err) {
      this.root.replaceChildren(el('div', { className: 'rl-error', textContent: (err as Error).message }));
      return;
    }
    this.render();
    this.unsubscribe = this.bridge.subscribe((event) => this.onEvent(event));
  }

  setDark(dark: boolean): void {
    this.root.classList.toggle('rl-dark', dark);
  }

  dispose(): void {
    this.unsubscribe();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.root.remove();
  }

  private onEvent(event: StoreEvent): void {
    if (!('store' in event) || event.store !== this.ref.source) return;
    if (event.type === 'log' && event.run_id === this.ref.id) {
      const view = this.logs.get(`${event.writer}/${event.stream}`);
      if (view) this.readMore(view);
      else this.scheduleRefresh(); // a stream that did not exist yet
    } else if ((event.type === 'run-updated' && event.run.id === this.ref.id) || (event.type === 'metrics' && event.run_id === this.ref.id)) {
      this.scheduleRefresh();
    }
  }

  /** Status, metrics and new streams change while a run runs: re-read at most twice a second. */
  private scheduleRefresh(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(async () => {
      this.refreshTimer = null;
      try {
        this.run = await this.bridge.getRun(this.ref);
        this.renderSummary();
        this.renderNewLogs();
      } catch {
        // deleted meanwhile: the last state stays shown
      }
    }, 500);
  }

  private render(): void {
    const run = this.run!;
    this.root.replaceChildren();
    this.root.append(
      el('div', { className: 'rl-details-summary' }),
      this.note.element,
      this.sourceSection(run),
      this.envSection(run),
      el('section', { className: 'rl-section rl-logs' }),
      el('section', { className: 'rl-section rl-artifacts' }),
    );
    this.renderSummary();
    this.renderNewLogs();
    void this.renderArtifacts();
  }

  private renderSummary(): void {
    const run = this.run!;
    const summary = this.root.querySelector('.rl-details-summary')!;
    const parts: HTMLElement[] = [this.header(run)];
    if (run.error) parts.push(section('Error', el('pre', { className: 'rl-pre rl-error', textContent: run.error })));
    parts.push(section('Params', keyValueTable(Object.entries(run.params).map(([k, v]) => [k, formatParam(v)]), 'No params recorded.')));
    parts.push(section('Metrics', this.metricsTable(run)));
    this.system ??= new SystemSummary((key) => this.bridge.getSeries(this.ref, key, { points: 0 }), () => this.renderSummary());
    const system = this.system.render(run);
    if (system) parts.push(section('System', system));
    const tags = tagSections(run);
    if (tags) parts.push(tags);
    summary.replaceChildren(...parts);
    this.note.update(run.note, !isReadOnlyRun(run));
  }

  private header(run: RunDetail): HTMLElement {
    const buttons: HTMLElement[] = [];
    if (this.actions.openCharts) buttons.push(button('Charts', () => this.actions.openCharts!(this.ref)));
    if (this.actions.openSource && run.notebook && run.cell_id) buttons.push(button('Go to cell', () => this.actions.openSource!(run)));
    const script = this.actions.openScript ? scriptPathOf(run) : null;
    if (script) buttons.push(button('Open script', () => this.actions.openScript!(run, script)));
    const sweep = this.actions.openSweep ? sweepIdOf(run) : null;
    if (sweep) buttons.push(button('Open sweep', () => this.actions.openSweep!({ source: this.ref.source, id: sweep })));
    if (this.actions.stopRun && !isReadOnlyRun(run) && (run.status === 'running' || run.status === 'queued')) buttons.push(this.stopButton());
    const elapsed = elapsedText(run);
    const facts = [
      run.experiment,
      run.kind,
      runTargetText(run) || null,
      `started ${formatTime(run.started_at ?? run.created_at)}`,
      elapsed ? `${run.status === 'running' ? 'running for' : 'took'} ${elapsed}` : null,
      run.exit_code !== null ? `exit code ${run.exit_code}` : null,
    ].filter((x): x is string => x !== null);
    return el(
      'header',
      { className: 'rl-details-header' },
      el('div', { className: 'rl-title-row' }, el('h2', { className: 'rl-title', textContent: run.name }), statusPill(run.status), el('span', { className: 'rl-actions' }, ...buttons)),
      el('div', { className: 'rl-muted', textContent: facts.join(' · ') }),
      el('div', { className: 'rl-muted rl-mono', textContent: run.notebook ? `${run.id} · ${run.notebook}` : run.id }),
    );
  }

  /** "Stop": disabled while the request is out; a refusal is said beside it, as a sentence. */
  private stopButton(): HTMLElement {
    const stop = button('Stop', () => {
      stop.setAttribute('disabled', '');
      stop.textContent = 'Stopping…';
      this.actions.stopRun!(this.ref).catch((err: Error) => {
        stop.removeAttribute('disabled');
        stop.textContent = 'Stop';
        stop.after(el('span', { className: 'rl-error', textContent: ` ${err.message}` }));
      });
    });
    stop.classList.add('rl-stop');
    stop.title = 'Stop this run (a job is cancelled; a cell or script is interrupted, as Ctrl-C would)';
    return stop;
  }

  private metricsTable(run: RunDetail): HTMLElement {
    const keys = Object.keys(run.metrics).sort();
    if (!keys.length) return el('div', { className: 'rl-muted', textContent: 'No metrics logged.' });
    const fmt = (v: unknown) => (v === null || v === undefined ? '—' : formatValue(fromJsonNumber(v as never)));
    const head = el('tr', {}, ...['metric', 'last', 'min', 'max', 'points'].map((h) => el('th', { textContent: h })));
    const rows = keys.map((k) => {
      const m = run.metrics[k]!;
      return el('tr', {}, el('td', { textContent: k }), ...[m.last, m.min, m.max].map((v) => el('td', { className: 'rl-num', textContent: fmt(v) })), el('td', { className: 'rl-num', textContent: String(m.count) }));
    });
    return el('table', { className: 'rl-table' }, el('thead', {}, head), el('tbody', {}, ...rows));
  }

  private sourceSection(run: RunDetail): HTMLElement {
    if (run.source === null) return el('span');
    const pre = el('pre', { className: 'rl-pre rl-source', textContent: run.source });
    const box = el('div', {}, pre);
    const heading = section('Source', box);
    if (run.notebook && run.cell_id) void this.addDiffToggle(run, heading, box, pre);
    return heading;
  }

  /** A "diff with the previous run of this cell" toggle, when there is one with a source. */
  private async addDiffToggle(run: RunDetail, heading: HTMLElement, box: HTMLElement, pre: HTMLElement): Promise<void> {
    const runs = (await this.bridge.listRuns()).filter(
      (r) => r.source === this.ref.source && r.run.notebook === run.notebook && r.run.cell_id === run.cell_id && r.run.created_at < run.created_at,
    );
    const previous = runs.sort((a, b) => b.run.created_at - a.run.created_at)[0];
    if (!previous) return;
    const before = (await this.bridge.getRun({ source: previous.source, id: previous.run.id })).source;
    if (before === null) return;
    const diff = el('pre', { className: 'rl-pre rl-diff' });
    for (const part of diffLines(before, run.source ?? '')) {
      const lines = part.value.replace(/\n$/, '').split('\n');
      for (const line of lines) {
        const sign = part.added ? '+' : part.removed ? '-' : ' ';
        diff.append(el('div', { className: part.added ? 'rl-added' : part.removed ? 'rl-removed' : '', textContent: `${sign} ${line}` }));
      }
    }
    const label = el('label', { className: 'rl-diff-toggle' });
    const toggle = el('input', { type: 'checkbox' });
    label.append(toggle, ` diff with the previous run of this cell (${previous.run.name}, ${formatTime(previous.run.created_at)})`);
    toggle.addEventListener('change', () => box.replaceChildren(toggle.checked ? diff : pre));
    heading.querySelector('h3')!.after(label);
  }

  private envSection(run: RunDetail): HTMLElement {
    const env = run.env;
    if (!env) return el('span');
    const git = env.git as { commit?: string | null; dirty?: boolean; branch?: string | null } | null | undefined;
    const gpus = Array.isArray(env.gpus) ? (env.gpus as { name?: string; memory_total_mib?: number }[]) : [];
    const rows: [string, string][] = [
      ['Python', `${envText(env.python, '?')} (${envText(env.python_executable)})`],
      ['Host', envText(env.host)],
      ['Platform', envText(env.platform)],
      ['Git', gitText(git)],
      ['GPUs', gpus.length ? gpus.map((g) => g.name ?? 'GPU').join(', ') : 'none'],
    ];
    const packages = Object.entries((env.packages as Record<string, string> | undefined) ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const list = el('details', {}, el('summary', { textContent: `${countOf(packages.length, 'package')} the code imports` }), keyValueTable(packages, 'none'));
    return section('Environment', el('div', {}, keyValueTable(rows, ''), list));
  }

  private renderNewLogs(): void {
    const host = this.root.querySelector('.rl-logs')!;
    if (!host.firstChild) host.append(el('h3', { textContent: 'Logs' }));
    const streams = this.run!.logs;
    if (!streams.length && !this.logs.size) {
      if (!host.querySelector('.rl-muted')) host.append(el('div', { className: 'rl-muted', textContent: 'No output.' }));
      return;
    }
    host.querySelector('.rl-muted')?.remove();
    for (const s of streams) {
      const key = `${s.writer}/${s.stream}`;
      if (this.logs.has(key)) continue;
      const pre = el('pre', { className: 'rl-pre rl-log' });
      const title = s.writer === 'w0' || /^w\d+$/.test(s.writer) ? `${s.writer} ${s.stream}` : s.stream;
      host.append(el('details', { open: true }, el('summary', { textContent: title }), pre));
      const view: LogView = { writer: s.writer, stream: s.stream, offset: 0, shown: 0, decoder: new TextDecoder(), demux: new InbandDemux(), pre, reading: Promise.resolve() };
      this.logs.set(key, view);
      this.readMore(view);
    }
  }

  /** Reads what was appended since the last read; reads of one stream never overlap. */
  private readMore(view: LogView): void {
    view.reading = view.reading.then(async () => {
      if (view.shown >= MAX_SHOWN_LOG) return;
      const { bytes, size } = await this.bridge.readLog(this.ref, view.writer, view.stream, view.offset, LOG_READ);
      view.offset += bytes.length;
      if (view.offset < size) this.readMore(view); // more arrived than one read returns
      const text = view.demux.push(view.decoder.decode(bytes, { stream: true })).text;
      if (!text) return;
      const room = MAX_SHOWN_LOG - view.shown;
      view.pre.append(ansiFragment(view.pre.ownerDocument, text.slice(0, room)));
      view.shown += Math.min(room, text.length);
      if (view.shown >= MAX_SHOWN_LOG) view.pre.append(el('div', { className: 'rl-muted', textContent: `… shown up to ${formatBytes(MAX_SHOWN_LOG)}; the stored log has all of it (runlane logs ${this.ref.id}).` }));
    }).catch(() => undefined);
  }

  private async renderArtifacts(): Promise<void> {
    const host = this.root.querySelector('.rl-artifacts')!;
    let artifacts: ArtifactInfo[] = [];
    try {
      artifacts = await this.bridge.listArtifacts(this.ref);
    } catch {
      // a source without artifacts (a TensorBoard log directory)
    }
    if (!artifacts.length) {
      host.replaceChildren();
      return;
    }
    const rows = artifacts.map((a) =>
      el('tr', {}, el('td', { className: 'rl-mono', textContent: a.path }), el('td', { className: 'rl-num', textContent: formatBytes(a.size) }), el('td', {}, button('Download', () => void this.download(a)))),
    );
    host.replaceChildren(el('h3', { textContent: `Artifacts (${artifacts.length})` }), el('table', { className: 'rl-table' }, el('tbody', {}, ...rows)));
  }

  private async download(artifact: ArtifactInfo): Promise<void> {
    if (this.actions.saveArtifact) return this.actions.saveArtifact(this.ref, artifact);
    const bytes = await this.bridge.readArtifact(this.ref, artifact.path);
    const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
    const link = el('a', { href: url, download: artifact.path.split('/').pop() ?? 'artifact' });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

/** The user's tags as chips; Runlane's own (`runlane.sweep.trial=5`...) as a quieter text line under them. */
function tagSections(run: RunDetail): HTMLElement | null {
  const chips = Object.entries(run.tags).filter(([k]) => !isRunlaneTag(k)).map(([k, v]) => el('span', { className: 'rl-chip', textContent: v ? `${k}: ${v}` : k }));
  const runlane = runlaneTagsText(run);
  if (!chips.length && !runlane) return null;
  const body = el('div', {}, ...(chips.length ? [el('div', { className: 'rl-chips' }, ...chips)] : []), ...(runlane ? [el('div', { className: 'rl-muted rl-runlane-tags', textContent: `Runlane: ${runlane}` })] : []));
  return section('Tags', body);
}

function section(title: string, body: HTMLElement): HTMLElement {
  return el('section', { className: 'rl-section' }, el('h3', { textContent: title }), body);
}

function keyValueTable(rows: [string, string][], empty: string): HTMLElement {
  if (!rows.length) return el('div', { className: 'rl-muted', textContent: empty });
  return el('table', { className: 'rl-table rl-kv' }, el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', { textContent: k }), el('td', { textContent: v })))));
}

function statusPill(status: string): HTMLElement {
  return el('span', { className: `rl-pill rl-status-${status}`, textContent: status });
}

function button(label: string, onClick: () => void): HTMLElement {
  const b = el('button', { className: 'rl-button', textContent: label, type: 'button' });
  b.addEventListener('click', onClick);
  return b;
}

/** An environment fact as text: the helper writes strings and numbers; anything else is not shown. */
function envText(value: unknown, missing = ''): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : missing;
}

function gitText(git: { commit?: string | null; dirty?: boolean; branch?: string | null } | null | undefined): string {
  if (!git) return 'not a git repository';
  const where = git.branch ? ` on ${git.branch}` : '';
  if (!git.commit) return `no commits yet${where}`;
  return `${git.commit.slice(0, 12)}${where}${git.dirty ? ', uncommitted changes' : ''}`;
}
