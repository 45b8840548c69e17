// The output holder of a local job's worker, started by the daemon beside the worker's wrapper
// (localWorkers.ts): `holdOutputMain.js STDOUT_FILE STDERR_FILE` reads the worker's stdout on fd 0,
// its stderr on fd 3 and, on the control socket fd 4, the exit code the wrapper sends when the command
// ends; the wrapper waits for this process to close that socket (all written) before it records the
// exit. Bundled beside the CLI as runlane-hold-output.cjs.
import { Socket } from 'node:net';
import { holdOutput } from './heldOutput.js';

const argv = process.argv.slice(2);
if (argv.length !== 2) {
  process.stderr.write('usage: holdOutputMain.js STDOUT_FILE STDERR_FILE (fds 0 and 3: the outputs, fd 4: the control socket)\n');
  process.exit(2);
}
const stream = (fd: number) => new Socket({ fd, readable: true, writable: false });
holdOutput(argv[0]!, argv[1]!, { stdout: stream(0), stderr: stream(3), control: stream(4) }).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`runlane: the output holder failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
