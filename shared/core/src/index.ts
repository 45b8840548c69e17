// Public entry point of @runlane/core (Node only): the embedded store, and the daemon, its client and the CLI.
export * from './store/index.js';
