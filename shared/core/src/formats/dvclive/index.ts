// DVCLive folders (DVC's logger) read as Runlane runs.
export { countDvcliveFolders, DvcliveDir, type DvcliveDirOptions } from './dvcliveDir.js';
export { DvcliveRun, type DvcliveImage, type DvclivePoints } from './dvcliveRun.js';
export { MixedLogdir, type LogdirReader } from './mixedLogdir.js';
