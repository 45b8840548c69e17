// The notebook toolbar's "Auto-track: off / tagged cells / all cells" switch. The choice is kept in the notebook's
// metadata (so it travels with the notebook) and applied whenever its kernel starts or restarts.
import type { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';
import { setAutoTracking, type AutoMode } from './kernelHelper';

const METADATA_KEY = 'runlane';

export function autoModeOf(panel: NotebookPanel, fallback: AutoMode): AutoMode {
  const meta = panel.model?.getMetadata(METADATA_KEY) as { auto?: AutoMode } | undefined;
  return meta?.auto ?? fallback;
}

export function createAutoTrackingSwitch(panel: NotebookPanel, fallback: () => AutoMode, threshold: () => number): Widget {
  const widget = new Widget();
  widget.addClass('rl-auto-switch');
  const label = document.createElement('label');
  // "Auto-track", not "Tracking": a user who saw "Tracking off" beside a %%runlane cell that was
  // tracked took it for a fault. The switch only says which *other* cells become runs.
  label.textContent = 'Auto-track ';
  label.title =
    'Which cells Runlane tracks without %%runlane: none, cells tagged as experiments, or every cell that logs or runs long. ' +
    '%%runlane cells and rl.run() blocks are always tracked.';
  const select = document.createElement('select');
  const texts: Record<AutoMode, string> = { off: 'off', tagged: 'tagged cells', all: 'all cells' };
  for (const mode of ['off', 'tagged', 'all'] as AutoMode[]) {
    const o = document.createElement('option');
    o.value = mode;
    o.textContent = texts[mode];
    select.appendChild(o);
  }
  label.appendChild(select);
  widget.node.appendChild(label);

  const apply = async () => {
    const mode = autoModeOf(panel, fallback());
    select.value = mode;
    if (mode === 'off' && !panel.model?.getMetadata(METADATA_KEY)) return; // nothing to turn off in a fresh kernel
    try {
      if (!panel.sessionContext.isReady) await panel.sessionContext.ready;
      await setAutoTracking(panel.sessionContext, mode, threshold());
      select.title = '';
    } catch (err) {
      select.title = `Runlane could not set tracking in this kernel: ${(err as Error).message}`;
    }
  };
  select.addEventListener('change', () => {
    panel.model?.setMetadata(METADATA_KEY, { ...(panel.model.getMetadata(METADATA_KEY) as object | undefined), auto: select.value });
    void apply();
  });
  // A kernel that starts or restarts has no helper state: apply the notebook's choice again.
  let restarted = false;
  panel.sessionContext.statusChanged.connect((_, status) => {
    if (status === 'restarting' || status === 'starting') restarted = true;
    if (status === 'idle' && restarted) {
      restarted = false;
      void apply();
    }
  });
  panel.sessionContext.kernelChanged.connect(() => (restarted = true));
  void panel.context.ready.then(apply);
  return widget;
}
