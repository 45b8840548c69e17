// A worker thread of readPool.ts: reads one run's event files per message (readRun), and posts back
// each file's points as columns, their memory moved rather than copied.
import { parentPort } from 'node:worker_threads';
import { readRun, type ReadTask } from './readPool.js';

parentPort!.on('message', (task: ReadTask) => {
  void readRun(task).then(({ read, transfer }) => parentPort!.postMessage(read, transfer));
});
