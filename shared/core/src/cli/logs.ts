// `runlane logs RUN [-f]`: prints a run's output streams; with -f follows them live through the
// daemon's feed, reading each file from the byte offset reached so nothing is lost or repeated.
import { FINAL_STATUSES } from '@runlane/protocol';
import { DaemonClient } from '../client/daemonClient.js';
import { StoreReader } from '../store/index.js';

interface Stream {
  writer: string;
  stream: string;
  offset: number;
}

function out(stream: string): NodeJS.WriteStream {
  return stream.endsWith('stderr') ? process.stderr : process.stdout;
}

async function drain(reader: StoreReader, id: string, s: Stream): Promise<void> {
  const { bytes } = await reader.readLog(id, s.writer, s.stream, s.offset);
  if (bytes.length === 0) return;
  s.offset += bytes.length;
  await new Promise<void>((resolve) => out(s.stream).write(bytes, () => resolve()));
}

async function streamsOf(reader: StoreReader, id: string, only: string | undefined, known: Map<string, Stream>): Promise<Stream[]> {
  for (const l of (await reader.readRunDetail(id)).logs) {
    const key = `${l.writer}/${l.stream}`;
    if ((only === undefined || l.stream === only) && !known.has(key)) known.set(key, { writer: l.writer, stream: l.stream, offset: 0 });
  }
  return [...known.values()];
}

export async function printLogs(storeDir: string, id: string, only?: string): Promise<number> {
  const reader = await StoreReader.open(storeDir);
  for (const s of await streamsOf(reader, id, only, new Map())) await drain(reader, id, s);
  return 0;
}

export async function followLogs(storeDir: string, id: string, only?: string): Promise<number> {
  const reader = await StoreReader.open(storeDir);
  const known = new Map<string, Stream>();
  const catchUp = async () => {
    for (const s of await streamsOf(reader, id, only, known)) await drain(reader, id, s);
  };
  await catchUp();
  if (FINAL_STATUSES.includes((await reader.readRun(id)).status)) return 0;
  const client = await DaemonClient.connect({ store: storeDir });
  return new Promise<number>((resolve) => {
    let chain = Promise.resolve();
    const stop = client.events((event) => {
      const relevant =
        (event.type === 'log' && event.run_id === id) ||
        (event.type === 'run-updated' && event.run.id === id) ||
        event.type === 'reset' ||
        event.type === 'hello'; // the first event: catch up on what was written while connecting
      if (!relevant) return;
      chain = chain.then(async () => {
        await catchUp();
        if (event.type === 'run-updated' && FINAL_STATUSES.includes(event.run.status)) {
          stop();
          resolve(0);
        }
      });
    });
    process.once('SIGINT', () => {
      stop();
      resolve(130);
    });
  });
}
