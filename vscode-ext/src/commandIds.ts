// Every id the extension shares with package.json or VS Code, in one place; commandIds.test.ts checks
// them against package.json's contributes both ways, and that no source file spells one out itself.
export const CommandIds = {
  refresh: 'runlane.refresh',
  filter: 'runlane.filter',
  clearFilter: 'runlane.clearFilter',
  toggleThisNotebook: 'runlane.toggleThisNotebook',
  openCharts: 'runlane.openCharts',
  openTable: 'runlane.openTable',
  openDetails: 'runlane.openDetails',
  openSweep: 'runlane.openSweep',
  showLogs: 'runlane.showLogs',
  goToCell: 'runlane.goToCell',
  copyId: 'runlane.copyId',
  rename: 'runlane.rename',
  tag: 'runlane.tag',
  delete: 'runlane.delete',
  rerun: 'runlane.rerun',
  cancel: 'runlane.cancel',
  runCellAsExperiment: 'runlane.runCellAsExperiment',
  runFileAsExperiment: 'runlane.runFileAsExperiment',
  stopRun: 'runlane.stopRun',
  openScript: 'runlane.openScript',
  openLogdir: 'runlane.openLogdir',
  removeSource: 'runlane.removeSource',
  chooseMainMetric: 'runlane.chooseMainMetric',
  installHelper: 'runlane.installHelper',
  addMlflowStore: 'runlane.addMlflowStore',
  pushToTeamStore: 'runlane.pushToTeamStore',
} as const;

/**
 * Commands the extension runs itself, not contributed (not in the palette or menus): a click on a job's
 * row in the Targets view, which opens the details of the job that click selected there.
 */
export const InternalCommandIds = { openTargetsJob: 'runlane.openTargetsJob' } as const;

/** The activity-bar container of the views. */
export const ContainerIds = { runlane: 'runlane' } as const;
export const ViewIds = { runs: 'runlane.runs', targets: 'runlane.targets' } as const;
export const PanelTypes = { charts: 'runlane.charts', details: 'runlane.details', table: 'runlane.table', sweep: 'runlane.sweepView' } as const;
/** The notebook renderer of run links (package.json's notebookRenderer). */
export const RendererIds = { runLink: 'runlane.runRenderer' } as const;
/** Context keys the extension sets, read by `when` clauses in package.json. */
export const ContextKeys = { filtered: 'runlane.filtered' } as const;
/** Ids VS Code knows from the code alone (not declared in package.json). */
export const StatusItemId = 'runlane.status';
export const JobsControllerId = 'runlane-jobs';

/** The built-in command that shows and focuses a view. */
export const focusViewCommand = (view: (typeof ViewIds)[keyof typeof ViewIds]): string => `${view}.focus`;
