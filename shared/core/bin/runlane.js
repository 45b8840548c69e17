#!/usr/bin/env node
// Thin launcher for `npx runlane`: the CLI is compiled TypeScript in dist/ (built by `npm run build`).
import '../dist/cli/bin.js';
