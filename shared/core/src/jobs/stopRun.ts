// Stopping a running run (contract C2): a job is cancelled; a cell or script run on this host is
// interrupted with SIGINT to the process that wrote its `running` status (its writer's `hello` pid),
// as Ctrl-C or a kernel interrupt would, so the helper records it as `interrupted`.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processIsAlive } from '../processAlive.js';
import { StoreError, validateRunId } from '../store/index.js';
import { compareEvents, foldEvents, type OrderedEvent, type StoreEventLine } from '../store/runFold.js';
import type { JobManager } from './jobManager.js';
import { jobsOwner } from './jobsLock.js';

/** Stops the run; throws a StoreError sentence (not_found, conflict) when there is nothing it can stop. */
export async function stopRun(jobs: JobManager, store: string, runId: string): Promise<void> {
  const runDir = path.join(path.resolve(store), 'runs', validateRunId(runId));
  if (jobs.isActive(store, runId)) return jobs.cancel(store, runId);
  const events = await readEvents(runDir);
  const folded = foldEvents(events);
  const status = folded.status ?? 'running';
  if (status !== 'running' && status !== 'queued') throw new StoreError('conflict', `Run ${runId} is ${status}; there is nothing to stop.`);
  const kind = await runKind(runDir);
  if (kind === 'job') {
    const owner = jobsOwner(path.resolve(store));
    const by = owner === null || owner === process.pid ? 'the daemon that started it' : `the daemon that runs it (pid ${owner})`;
    throw new StoreError('conflict', `Job ${runId} is not run by this daemon, so it cannot be cancelled here; use ${by} (runlane cancel ${runId}).`);
  }
  const writer = folded.statusWriter === null ? undefined : folded.writers.get(folded.statusWriter);
  if (!writer) throw new StoreError('conflict', `Run ${runId} does not say which process runs it, so it cannot be stopped; stop it where it runs (Ctrl-C, or interrupt the kernel).`);
  if (writer.host !== os.hostname()) throw new StoreError('conflict', `Run ${runId} runs on ${writer.host}, not on this machine; stop it there (Ctrl-C, or interrupt its kernel).`);
  if (!processIsAlive(writer.pid)) throw new StoreError('conflict', `Run ${runId}'s process (pid ${writer.pid}) has already ended; the run shows as crashed.`);
  try {
    process.kill(writer.pid, 'SIGINT');
  } catch (err) {
    throw new StoreError('conflict', `Run ${runId}'s process (pid ${writer.pid}) could not be interrupted (${(err as NodeJS.ErrnoException).code}); stop it where it runs.`);
  }
}

async function readEvents(runDir: string): Promise<OrderedEvent[]> {
  let files: string[];
  try {
    files = await fs.readdir(path.join(runDir, 'events'));
  } catch {
    throw new StoreError('not_found', `No run ${path.basename(runDir)} in ${path.dirname(path.dirname(runDir))}.`);
  }
  const events: OrderedEvent[] = [];
  for (const file of files) {
    if (!file.endsWith('.jsonl') || file.includes('.tmp-')) continue;
    const text = await fs.readFile(path.join(runDir, 'events', file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (!line.endsWith('}')) return; // empty, or a line still being written
      try {
        const event = JSON.parse(line) as StoreEventLine;
        if (typeof event.t === 'number' && typeof event.type === 'string') events.push({ writer: file.slice(0, -'.jsonl'.length), line: i, event });
      } catch {
        // a damaged line is skipped, as every reader does
      }
    });
  }
  return events.sort(compareEvents);
}

async function runKind(runDir: string): Promise<string | null> {
  try {
    const meta = JSON.parse(await fs.readFile(path.join(runDir, 'meta.json'), 'utf8')) as { kind?: unknown };
    return typeof meta.kind === 'string' ? meta.kind : null;
  } catch {
    return null;
  }
}
