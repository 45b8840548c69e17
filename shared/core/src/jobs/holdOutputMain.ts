// The holder process of a local job's worker (localWorkers.ts): `holdOutputMain.js STDOUT STDERR --
// COMMAND...` runs the command with its output through HoldingWriters (heldOutput.ts) and exits with
// its exit code. Bundled beside the CLI as runlane-hold-output.cjs.
import { holdOutput } from './heldOutput.js';

const argv = process.argv.slice(2);
const dashes = argv.indexOf('--');
if (dashes !== 2 || argv.length < 4) {
  process.stderr.write('usage: holdOutputMain.js STDOUT_FILE STDERR_FILE -- COMMAND...\n');
  process.exit(2);
}
holdOutput(argv[0]!, argv[1]!, argv.slice(3)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`runlane: the output holder failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
