// A worker thread of scanPool.ts: reads a batch of run folders per message and posts back what it read.
import { parentPort } from 'node:worker_threads';
import { aliveCache, scanBatch, type ScanTask } from './scanPool.js';

const alive = aliveCache();
parentPort!.on('message', (task: ScanTask) => parentPort!.postMessage(scanBatch(task, alive)));
