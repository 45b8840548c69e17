// Every command of the extension, in one place; a test checks them against package.json.
export const CommandIds = {
  refresh: 'runlane.refresh',
  filter: 'runlane.filter',
  clearFilter: 'runlane.clearFilter',
  toggleThisNotebook: 'runlane.toggleThisNotebook',
  openCharts: 'runlane.openCharts',
  openDetails: 'runlane.openDetails',
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
} as const;

export const ViewIds = { runs: 'runlane.runs', targets: 'runlane.targets' } as const;
export const PanelTypes = { charts: 'runlane.charts', details: 'runlane.details' } as const;
