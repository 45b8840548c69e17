// Public entry point of the embedded store (docs/store-format.md).
export { StoreError, validateExperiment, validateMetricKey, validateParamKey, validateRunId, validateRunName, validateNote, MAX_NOTE_LENGTH, validateStream, validateWriterId, writerRank, isPrimaryWriter, encodeKeyFile, decodeKeyFile, validateArtifactPath } from './names.js';
export type { StoreErrorCode } from './names.js';
export { findStoreDir, STORE_FOLDER } from './discovery.js';
export { FORMAT_VERSION, checkStoreVersion } from './storeFormat.js';
export { inspectFolder, assertStoreFolder, type FolderInspection, type FolderKind } from './folderKind.js';
export { LiveRun, type LiveRunUpdate } from './liveRun.js';
export { parseStorePath, type StorePath, type StoreFileKind } from './storePaths.js';
export { StoreReader, detailOf } from './storeReader.js';
export { INDEX_FOLDER, INDEX_FILE, INDEX_VERSION, indexFile, loadIndexedRuns, readIndex, writeIndex, entrySummary, recheck } from './runIndex.js';
export { scanRun } from './runScan.js';
export { filterRuns, parseRunQuery, summarizeExperiments, type RunQueryText } from './runQuery.js';
export { readSeriesColumns, downsample, type SeriesOptions, type SeriesColumns } from './series.js';
export { StoreWriter, newRunId, newWriterId, encodeParamValue, type NewRun, type WriterEvent } from './storeWriter.js';
export { encodeRecord, decodeRecords, METRIC_HEADER, RECORD_SIZE, HEADER_SIZE, type PointColumns } from './metricCodec.js';
export type { Warn } from './fileTail.js';
export { listArtifacts, readArtifact, artifactsDir, ARTIFACTS_FOLDER } from './artifacts.js';
export { trashRun, restoreRun, TRASH_FOLDER } from './trash.js';
