// Printing a run's output streams: `runlane logs RUN [-f]`, and the live output of jobs
// (`launch`, `attach`) with each line prefixed by its worker. Following reads each file from the byte
// offset it reached, woken by the daemon's feed, so nothing is lost or repeated.
import { StringDecoder } from 'node:string_decoder';
import { FINAL_STATUSES, InbandDemux, type RunSummary } from '@runlane/protocol';
import { DaemonClient } from '../client/daemonClient.js';
import { StoreReader } from '../store/index.js';

interface Stream {
  writer: string;
  stream: string;
  offset: number;
  partial: string;
  /**
   * Bytes to text across reads: a character cut by a read boundary is decoded whole. Unprefixed
   * output goes through latin1, which maps bytes one to one, so a log that is not UTF-8 is printed
   * byte for byte (records are ASCII-delimited, so the demux finds them either way).
   */
  decoder: StringDecoder;
  /** In-band metric records are for the run, never printed. */
  demux: InbandDemux;
}

export interface FollowOptions {
  /** Prefix every line with its writer (`[w0] `), in a colour per worker on a terminal. */
  prefix?: boolean;
  only?: string;
}

const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93];

function out(stream: string): NodeJS.WriteStream {
  return stream.endsWith('stderr') ? process.stderr : process.stdout;
}

function write(target: NodeJS.WriteStream, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => target.write(data, () => resolve()));
}

class StreamPrinter {
  private readonly streams = new Map<string, Stream>();

  constructor(
    private readonly reader: StoreReader,
    private readonly id: string,
    private readonly options: FollowOptions,
  ) {}

  /** Prints whatever was appended to any of the run's streams since the last call. */
  async catchUp(): Promise<void> {
    for (const l of (await this.reader.readRunDetail(this.id)).logs) {
      const key = `${l.writer}/${l.stream}`;
      if ((this.options.only === undefined || l.stream === this.options.only) && !this.streams.has(key)) {
        this.streams.set(key, { writer: l.writer, stream: l.stream, offset: 0, partial: '', decoder: new StringDecoder(this.options.prefix ? 'utf8' : 'latin1'), demux: new InbandDemux() });
      }
    }
    for (const s of [...this.streams.values()].sort((a, b) => (a.writer < b.writer ? -1 : 1))) await this.drain(s);
  }

  /** Prints lines still waiting for their newline (the run ended). */
  async flush(): Promise<void> {
    for (const s of this.streams.values()) {
      const rest = s.partial + s.demux.end() + s.decoder.end();
      if (rest) await write(out(s.stream), this.options.prefix ? `${this.label(s)}${rest}\n` : Buffer.from(rest, 'latin1'));
      s.partial = '';
    }
  }

  private async drain(s: Stream): Promise<void> {
    const { bytes } = await this.reader.readLog(this.id, s.writer, s.stream, s.offset);
    if (bytes.length === 0) return;
    s.offset += bytes.length;
    const shown = s.demux.push(s.decoder.write(bytes)).text;
    if (!this.options.prefix) return shown ? write(out(s.stream), Buffer.from(shown, 'latin1')) : undefined;
    const text = s.partial + shown;
    const lines = text.split('\n');
    s.partial = lines.pop()!;
    if (lines.length) await write(out(s.stream), lines.map((line) => `${this.label(s)}${line}\n`).join(''));
  }

  private label(s: Stream): string {
    const tag = `[${s.writer}${s.stream === 'stderr' ? ' err' : ''}] `;
    if (!out(s.stream).isTTY) return tag;
    const rank = Number(/^w(\d+)$/.exec(s.writer)?.[1] ?? 0);
    return `\x1b[${COLOURS[rank % COLOURS.length]}m${tag}\x1b[0m`;
  }
}

export async function printLogs(storeDir: string, id: string, only?: string): Promise<number> {
  const printer = new StreamPrinter(await StoreReader.open(storeDir), id, { only });
  await printer.catchUp();
  return 0;
}

export async function followLogs(storeDir: string, id: string, only?: string): Promise<number> {
  await followRun(storeDir, id, { only });
  return 0;
}

/**
 * Prints a run's output until it ends; resolves with its final summary. `onInterrupt` decides what
 * Ctrl-C does (cancel the job, or just stop following).
 */
export async function followRun(storeDir: string, id: string, options: FollowOptions, onInterrupt?: () => Promise<void>): Promise<RunSummary> {
  const reader = await StoreReader.open(storeDir);
  const printer = new StreamPrinter(reader, id, options);
  // The status is read before the output, here and in check(): a job's last lines are written before
  // its end is recorded, so output read after a final status is all of it. Read the other way round, a
  // job that printed and ended between the two reads lost its last lines (`echo bad >&2; exit 5`).
  const now = await reader.readRun(id);
  await printer.catchUp();
  if (FINAL_STATUSES.includes(now.status)) {
    await printer.flush();
    return now;
  }
  const client = await DaemonClient.connect({ store: storeDir });
  return new Promise<RunSummary>((resolve) => {
    let chain = Promise.resolve();
    let ended = false;
    const end = (run: RunSummary) => {
      if (ended) return;
      ended = true;
      stop();
      clearInterval(poll);
      void printer.flush().then(() => resolve(run));
    };
    const check = () => {
      // A failed read (a file caught mid-creation) must not break the chain: the next check retries.
      chain = chain
        .then(async () => {
          if (ended) return;
          const run = await reader.readRun(id);
          await printer.catchUp();
          if (FINAL_STATUSES.includes(run.status)) end(run);
        })
        .catch(() => undefined);
    };
    const stop = client.events((event) => {
      const relevant =
        (event.type === 'log' && event.run_id === id) ||
        (event.type === 'run-updated' && event.run.id === id) ||
        event.type === 'reset' ||
        event.type === 'hello'; // the first event: catch up on what was written while connecting
      if (relevant) check();
    });
    // The feed wakes us at once; this slow poll only guarantees the end is seen if an event was missed.
    const poll = setInterval(check, 1000);
    process.once('SIGINT', () => {
      void (onInterrupt ?? (async () => {}))().then(async () => {
        if (!onInterrupt) end(await reader.readRun(id));
      });
    });
  });
}
