// TensorBoard event files (tfevents) read as Runlane runs.
export { TensorBoardLogdir, RUNNING_WINDOW_S, type LogdirPoints, type LogdirOptions } from './logdir.js';
export { OpenFiles } from './openFiles.js';
export { listLogdir, type LogdirListing } from './walk.js';
export { crc32c, maskedCrc32c } from './crc32c.js';
export { EventFileTail, type EventFileTailOptions } from './eventFileTail.js';
