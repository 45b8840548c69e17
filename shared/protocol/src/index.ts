// Public entry point of @runlane/protocol: types and tiny pure helpers only (no Node, no DOM).
export * from './runs.js';
export * from './api.js';
export * from './jobs.js';
export * from './inband.js';
export * from './media.js';
export * from './hostBridge.js';
export * from './webview.js';
export * from './format.js';
