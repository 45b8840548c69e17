// Public entry point of @runlane/ui (browser only): the charts panel both editors mount, its parts,
// and the HostBridge each editor implements.
export { ChartsPanel, keyMatcher, groupOf, type ChartsPanelOptions } from './views/chartsPanel.js';
export { buildCompareRows, buildParallelOption, type CompareRow } from './views/compareRows.js';
export { buildScalarOption, escapeHtml, formatValue } from './charts/scalarOption.js';
export { smoothTensorBoard, clampSmoothingWeight } from './charts/smoothing.js';
export { percentileRange } from './charts/outliers.js';
export { assignRunColors, RUN_PALETTE } from './charts/runColors.js';
export { cardToCsv } from './charts/csv.js';
export { DEFAULT_SETTINGS, type ChartSettings, type CardData, type RunSeries, type ChartTheme, type XAxisMode } from './charts/chartTypes.js';
export { runKey, type ChartsBridge, type HostBridge, type RunRef, type SourcedRun, type SeriesRequest } from './hostBridge.js';
export { HttpHostBridge, type HttpSource } from './hosts/httpHostBridge.js';
export { RunDetailsView, scriptPathOf, type RunDetailsActions } from './views/runDetails.js';
export { ansiFragment, collapseCarriageReturns } from './views/ansi.js';
export { formatBytes, formatDuration, formatParam, formatTime } from './views/format.js';
export { RunSet, matches, sortRuns, mainMetric, rowTags, isReadOnlyRun, isRunlaneTag, runlaneTags, runlaneTagsText, trialMark, NO_FILTER, type PreferredMetric, type RunFilter, type SortKey, type SortOrder } from './runs/runList.js';
export { applyParamsToSource, editableParams, parseEditedParams, pythonLiteral } from './runs/editParams.js';
// Logic both editors share, DOM-free (common/): the magic line, tags typed by the user, elapsed time, target labels.
export { droppedOptions, magicOption, magicOptions, magicSubcommand, magicTarget, readMagicLine, withRunlaneMagic, type MagicChoice, type MagicLine } from './common/magicLine.js';
export { parseTagInput, TAG_PLACEHOLDER, TAG_PROMPT, type TagEdit } from './common/tagInput.js';
export { elapsedText } from './common/elapsedTime.js';
export { gpuCountText, KERNEL_CHOICE, runTargetText, targetChoiceText, targetKindText, targetOf } from './common/targetLabels.js';
export { runLabel, duplicateNames, shortRunId } from './runs/runLabel.js';
export { logFolderKind, type LogFolderKind } from './runs/logFolder.js';
export { chartsTitle } from './charts/chartsTitle.js';
export { statusColor, STATUS_COLORS } from './charts/statusColors.js';
export { meanOverRanks, rankLabel } from './charts/ranks.js';
export { type ChartsPanelState, type CardSize } from './charts/panelState.js';
export { buildExportOption, xExtent } from './charts/scalarOption.js';
export { type RankMode } from './charts/chartTypes.js';
export { MLFLOW_CREDENTIAL_VARIABLES, MLFLOW_URI_PROMPT, mlflowHost, mlflowLabel, parseMlflowUri, pushDestination, runSync, syncMark, type DeclaredStore } from './common/teamStores.js';
export { CheckPacer, fixCommand, warningLine } from './common/daemonWarnings.js';
// The runs table (table/): the view both editors mount, and its DOM-free parts.
export { RunsTable, type RunsTableActions, type RunsTableOptions } from './table/runsTable.js';
export { buildColumns, cellText, cellValue, rowValues, type TableColumn, type MetricField } from './table/columns.js';
export { sortRows, topRuns, type GroupBy, type GroupRow, type RunRow, type TableRow } from './table/rowModel.js';
export { parseTableState, type TableState } from './table/tableState.js';
export { tableKey, tableTitle, type TableScope } from './table/tableTitle.js';
export { SweepView, type SweepViewActions } from './sweeps/sweepView.js';
export { isSweepRun, stateText, sweepIdOf, sweepModel, sweepOf, type SweepModel, type Trial, type TrialState } from './sweeps/trials.js';
