// Contract C3: a tracked cell or a job cell shows, at its start, an output of MIME type
// application/vnd.runlane.run+json naming its run. This renderer makes it the cell's one live line
// of that run: status dot, current name (it follows renames), status, duration, main metric, links to
// Details and Charts, and "N runs of this cell" on the newest run's line. Everything is text, never
// HTML. The live facts and the links come from the main plugin, which registers them here when it
// starts (both plugins live in this one package); until then the output's own name is shown.
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { RunSummary } from '@runlane/protocol';
import { elapsedText, formatValue, runTargetText } from '@runlane/ui';

export const RUN_MIME = 'application/vnd.runlane.run+json';

export interface RunOutput {
  id: string;
  name: string;
  experiment?: string;
  /** The store the run is in (absolute path). */
  store: string;
  kind?: string;
}

/** What the page knows of the run now (from the Runs panel's live list). */
export interface LiveRun {
  run: RunSummary;
  /** The run's name as every view shows it: with a short id when another run has the same name. */
  label: string;
  metric: { key: string; value: number } | null;
  /** Every run of the run's cell when it is the cell's newest and there are several; else 0. */
  cellRuns: number;
}

export interface RunOutputActions {
  openDetails(run: RunOutput): void;
  openCharts(run: RunOutput): void;
  /** The charts of every run of the run's cell. */
  openCellRuns(run: RunOutput): void;
  /** The run as the page knows it now, or null when its folder is not read yet. */
  describe(run: RunOutput): LiveRun | null;
}

let actions: RunOutputActions | null = null;
const live = new Set<RunOutputRenderer>();
let ticker = 0;

/** Called by the main plugin once it can open tabs and knows the runs. */
export function setRunOutputActions(value: RunOutputActions): void {
  actions = value;
  refreshRunOutputs();
  // A running run's duration ticks once a second (only the lines of running runs are redrawn).
  clearInterval(ticker);
  ticker = window.setInterval(() => live.forEach((r) => r.running && r.refresh()), 1000);
}

/** Redraws every run line on the page (the run list changed: a rename, a status, a metric). */
export function refreshRunOutputs(): void {
  live.forEach((r) => r.refresh());
}

class RunOutputRenderer extends Widget implements IRenderMime.IRenderer {
  private output: RunOutput | null = null;
  running = false;
  // Built once and updated in place: a line redrawn while the run logs would swallow clicks on its
  // links (the button under the pointer at mousedown is gone at mouseup).
  private readonly dot = span('rl-dot', '');
  private readonly name = span('rl-run-output-name', '');
  private readonly facts = span('rl-muted rl-run-output-facts', '');
  private readonly all: HTMLButtonElement;

  constructor() {
    super();
    this.addClass('rl-run-output');
    this.all = this.link('', (a, output) => a.openCellRuns(output));
    this.all.classList.add('rl-badge-all');
    this.all.title = 'Open the charts of every run of this cell';
    this.node.append(
      this.dot,
      this.name,
      this.facts,
      this.link('Details', (a, output) => a.openDetails(output)),
      this.link('Charts', (a, output) => a.openCharts(output)),
      this.all,
    );
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.output = model.data[RUN_MIME] as unknown as RunOutput;
    this.node.title = `Runlane ${this.output.kind === 'job' ? 'job' : 'run'} ${this.output.id} in ${this.output.store}`;
    this.node.dataset.runId = this.output.id;
    live.add(this);
    this.refresh();
  }

  override dispose(): void {
    live.delete(this);
    super.dispose();
  }

  refresh(): void {
    const output = this.output;
    if (!output || this.isDisposed) return;
    const now = actions?.describe(output) ?? null;
    const run = now?.run;
    this.running = run?.status === 'running' || run?.status === 'queued';
    this.dot.className = `rl-dot rl-dot-${run?.status ?? 'unknown'}`;
    this.dot.title = run?.status ?? '';
    this.name.textContent = now?.label ?? output.name;
    const time = run ? elapsedText(run) : '';
    this.facts.textContent = [
      run?.experiment ?? output.experiment,
      run?.status,
      time,
      now?.metric ? `${now.metric.key} ${formatValue(now.metric.value)}` : '',
      run ? runTargetText(run) : '',
    ].filter(Boolean).join(' · ');
    const many = now?.cellRuns ?? 0;
    this.all.textContent = `${many} runs of this cell`;
    this.all.style.display = many > 1 ? '' : 'none';
  }

  private link(text: string, act: (a: RunOutputActions, output: RunOutput) => void): HTMLButtonElement {
    const button = document.createElement('button');
    button.className = 'rl-link';
    button.textContent = text;
    button.addEventListener('click', () => {
      if (!this.output) return;
      if (actions) act(actions, this.output);
      else this.facts.textContent = 'Runlane is still starting; try again in a moment.';
    });
    return button;
  }
}

function span(className: string, text: string): HTMLElement {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  return s;
}

const extension: IRenderMime.IExtension = {
  id: 'runlane-jupyterlab:run-output',
  description: 'Shows a Runlane run named in a cell output, live, with links to its details and charts',
  rendererFactory: { safe: true, mimeTypes: [RUN_MIME], defaultRank: 10, createRenderer: () => new RunOutputRenderer() },
  dataType: 'json',
};

export default extension;
