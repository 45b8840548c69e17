// Entry point of the `runlane` executable (bin/runlane.js, and the bundle shipped with the Python package).
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`runlane: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
