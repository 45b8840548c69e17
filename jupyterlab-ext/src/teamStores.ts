// Team stores in JupyterLab: "Add MLflow Server…" (the sidebar's "+ MLflow" button, the palette) and
// "Push to Team Store…" in a run's context menu. The server's runs are read by the daemon (with the
// MLFLOW_TRACKING_* credentials of its environment: nothing secret is typed or stored here); a pushed
// run's sync state comes back on the feed and shows in its row (runsSidebar's sync mark).
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { InputDialog, showErrorMessage, type ICommandPalette } from '@jupyterlab/apputils';
import type { SourcedRun } from '@runlane/protocol';
import { isReadOnlyRun, mlflowHost, MLFLOW_URI_PROMPT, parseMlflowUri, pushDestination, runKey } from '@runlane/ui';
import { CommandIds } from './commandIds';
import type { RunlaneConnection } from './connection';
import type { ShownSources } from './shownSources';
import type { RunsSidebar } from './sidebar/runsSidebar';

const ANOTHER = 'Another server…';

/** Runs a server or a TensorBoard folder holds are not pushed: they are not Runlane's to send. */
const pushable = (item: SourcedRun) => !isReadOnlyRun(item.run);

export function setUpTeamStores(
  app: JupyterFrontEnd,
  connection: RunlaneConnection,
  shown: ShownSources,
  sidebar: RunsSidebar,
  palette: ICommandPalette | null,
): void {
  const { commands } = app;
  commands.addCommand(CommandIds.addMlflow, {
    label: 'Add MLflow Server…',
    caption: 'Show the runs of a team’s MLflow tracking server in the Runs panel, beside the local ones',
    execute: async () => {
      const answer = await InputDialog.getText({ title: 'Add MLflow Server', label: MLFLOW_URI_PROMPT, placeholder: 'http://127.0.0.1:5000', okLabel: 'Add' });
      if (!answer.button.accept || answer.value === null) return;
      try {
        await shown.openMlflow(answer.value);
        app.shell.activateById(sidebar.id);
      } catch (err) {
        await showErrorMessage('Add MLflow Server', (err as Error).message);
      }
    },
  });

  /** Where to push: the one declared store, else the user's pick of the declared and shown servers, or a URI typed. */
  const destination = async (source: string): Promise<string | null> => {
    const declared = (await connection.declaredStores(source)).filter((s) => s.kind === 'mlflow');
    const only = pushDestination(declared);
    if (only) return only;
    const servers = connection.bridge.sources().filter((s) => s.kind === 'mlflow' && !declared.some((d) => d.uri === s.path)).map((s) => s.path);
    const items = [...declared.map((d) => `${d.name} (${mlflowHost(d.uri)})`), ...servers];
    let picked: string | null = ANOTHER;
    if (items.length) {
      const answer = await InputDialog.getItem({ title: 'Push to Team Store', label: 'The MLflow server to push to', items: [...items, ANOTHER], okLabel: 'Choose' });
      if (!answer.button.accept || answer.value === null) return null;
      picked = answer.value;
    }
    if (picked !== ANOTHER) {
      const named = declared.find((d) => `${d.name} (${mlflowHost(d.uri)})` === picked);
      return named ? named.name : picked;
    }
    const typed = await InputDialog.getText({ title: 'Push to Team Store', label: MLFLOW_URI_PROMPT, placeholder: 'http://127.0.0.1:5000', okLabel: 'Push' });
    if (!typed.button.accept || typed.value === null) return null;
    const parsed = parseMlflowUri(typed.value);
    if ('error' in parsed) throw new Error(parsed.error);
    return parsed.uri;
  };

  const target = (): SourcedRun | null => sidebar.contextRun ?? sidebar.selectedRuns()[0] ?? null;
  commands.addCommand(CommandIds.pushToTeamStore, {
    label: 'Push to Team Store…',
    caption: 'Copy this run (params, tags, every point, its source and logs) to a team’s MLflow server; its row shows the sync',
    isVisible: () => {
      const run = target();
      return !!run && pushable(run);
    },
    execute: async () => {
      const run = target();
      if (!run) return showErrorMessage('Push to Team Store', 'Select a run in the Runs panel first.');
      // The selection when the clicked run is in it (push several at once), else the clicked run.
      const selection = sidebar.selectedRuns();
      const runs = (selection.some((r) => runKey({ source: r.source, id: r.run.id }) === runKey({ source: run.source, id: run.run.id })) ? selection : [run]).filter(pushable);
      try {
        const to = await destination(run.source);
        if (to === null) return;
        for (const r of runs) await connection.bridge.pushRun({ source: r.source, id: r.run.id }, to);
      } catch (err) {
        await showErrorMessage('Push to Team Store', (err as Error).message);
      }
    },
  });

  sidebar.mlflowButtonNode.addEventListener('click', () => void commands.execute(CommandIds.addMlflow));
  app.contextMenu.addItem({ command: CommandIds.pushToTeamStore, selector: '.rl-run-row', rank: 10.5 });
  palette?.addItem({ command: CommandIds.addMlflow, category: 'Runlane' });
}
