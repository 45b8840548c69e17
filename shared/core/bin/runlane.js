#!/usr/bin/env node
// Thin launcher: the CLI itself is compiled TypeScript in dist/.
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`runlane: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
