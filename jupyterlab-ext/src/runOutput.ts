// Contract C3: a tracked cell or a job cell shows, at its start, an output of MIME type
// application/vnd.runlane.run+json naming its run. This mime renderer shows it as the run's name (as
// text, never HTML) with "Details" and "Charts" links; the links act through the main plugin, which
// registers its actions here when it starts (both plugins live in this one package).
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

export const RUN_MIME = 'application/vnd.runlane.run+json';

export interface RunOutput {
  id: string;
  name: string;
  experiment?: string;
  /** The store the run is in (absolute path). */
  store: string;
  kind?: string;
}

export interface RunOutputActions {
  openDetails(run: RunOutput): void;
  openCharts(run: RunOutput): void;
}

let actions: RunOutputActions | null = null;

/** Called by the main plugin once it can open tabs. */
export function setRunOutputActions(value: RunOutputActions): void {
  actions = value;
}

class RunOutputRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('rl-run-output');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const run = model.data[RUN_MIME] as unknown as RunOutput;
    const label = document.createElement('span');
    label.className = 'rl-muted';
    label.textContent = run.kind === 'job' ? 'Runlane job' : 'Runlane run';
    const name = document.createElement('span');
    name.className = 'rl-run-output-name';
    name.textContent = run.name;
    const facts = document.createElement('span');
    facts.className = 'rl-muted';
    facts.textContent = [run.experiment, run.id].filter(Boolean).join(' · ');
    const link = (text: string, act: (a: RunOutputActions) => void) => {
      const button = document.createElement('button');
      button.className = 'rl-link';
      button.textContent = text;
      button.addEventListener('click', () => (actions ? act(actions) : (facts.textContent = 'Runlane is still starting; try again in a moment.')));
      return button;
    };
    this.node.replaceChildren(label, name, facts, link('Details', (a) => a.openDetails(run)), link('Charts', (a) => a.openCharts(run)));
  }
}

const extension: IRenderMime.IExtension = {
  id: 'runlane-jupyterlab:run-output',
  description: 'Shows a Runlane run named in a cell output with links to its details and charts',
  rendererFactory: { safe: true, mimeTypes: [RUN_MIME], defaultRank: 10, createRenderer: () => new RunOutputRenderer() },
  dataType: 'json',
};

export default extension;
