// Every command of the extension, in one place (the palette, menus, the cell toolbar and the
// settings' keyboard shortcut refer to these ids).
export const CommandIds = {
  openRuns: 'runlane:open-runs',
  openCharts: 'runlane:open-charts',
  openTable: 'runlane:open-table',
  openDetails: 'runlane:open-details',
  showLogs: 'runlane:show-logs',
  goToCell: 'runlane:go-to-cell',
  copyId: 'runlane:copy-run-id',
  rename: 'runlane:rename-run',
  tag: 'runlane:tag-run',
  delete: 'runlane:delete-run',
  rerun: 'runlane:rerun-job',
  cancel: 'runlane:cancel-job',
  runCellAsExperiment: 'runlane:run-cell-as-experiment',
  refresh: 'runlane:refresh-runs',
  stop: 'runlane:stop-run',
  openScript: 'runlane:open-script',
  mainMetric: 'runlane:main-metric',
  openLogdir: 'runlane:open-logdir',
  addMlflow: 'runlane:add-mlflow-server',
  pushToTeamStore: 'runlane:push-to-team-store',
} as const;
