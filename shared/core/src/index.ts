// Public entry point of @runlane/core (Node only): the embedded store, the daemon, its client and the CLI.
export * from './store/index.js';
export { Daemon, type DaemonOptions } from './server/daemon.js';
export { DaemonClient, DaemonError, type ConnectOptions, type EventsOptions } from './client/daemonClient.js';
export { SseParser, type SseMessage } from './client/sseParser.js';
export { readRuntime, runtimeDir } from './runtime/runtimeFile.js';
export { main as runCli } from './cli/main.js';
export { RUNLANE_VERSION } from './version.js';
