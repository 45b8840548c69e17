// The cost of telling whether a TensorBoard writer still has its event file open (openFiles.ts): a
// full scan of /proc/*/fd with PROCS extra processes of this user running (default 300, each holding
// 10 files open, like a busy desktop), and the fast path that looks at the last known writer only.
// Run after the build: node test/bench/open_files_scan.mjs  (Linux only)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OpenFiles } from '../../shared/core/dist/formats/tfevents/index.js';

const PROCS = Math.max(1, Number(process.env.PROCS ?? 300));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'runlane-openfiles-'));
const held = path.join(tmp, 'events.out.tfevents.1.held');
const nobody = path.join(tmp, 'events.out.tfevents.2.closed');
writeFileSync(held, '');
writeFileSync(nobody, '');
const redirects = Array.from({ length: 10 }, (_, i) => `exec ${i + 3}>>'${held}'`).join('; '); // open for writing, as a writer's
const children = Array.from({ length: PROCS }, () => spawn('bash', ['-c', `${redirects}; exec sleep 600`], { stdio: 'ignore' }));

function median(fn, times) {
  const ms = [];
  for (let i = 0; i < times; i++) {
    const t = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ms.sort((a, b) => a - b)[Math.floor(times / 2)];
}

try {
  await new Promise((r) => setTimeout(r, 1500)); // every child has opened its files
  const scanner = new OpenFiles();
  const pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  if (!scanner.anyOpen([[held]])[0]) throw new Error('the held file was not found open');
  const full = median(() => scanner.anyOpen([[nobody]]), 20); // nobody holds it: every process is looked at
  const fast = median(() => scanner.anyOpen([[held, nobody]]), 200); // a run's old closed file and its open one: its last holder is enough
  console.log(`open-file check with ${PROCS} extra processes (${pids} in /proc, ${PROCS * 13}+ open files):`);
  console.log(`  full scan (a closed file, every process looked at): ${full.toFixed(2)} ms median`);
  console.log(`  a running writer (its last holder looked at first):  ${fast.toFixed(3)} ms median`);
  console.log('  done once a second per log directory, only while some run is open or has changed');
} finally {
  for (const c of children) c.kill();
  rmSync(tmp, { recursive: true, force: true });
}
