// Worker output as a notebook cell shows it (the TypeScript twin of the kernel helper's
// worker_output.py): each line prefixed by its worker ([w0], [w1] in a colour each; stderr as
// "[w0 err]"), a line rewritten with \r (a progress bar) shown in place as one live line per worker,
// in-band metric records taken out, and past HEAD_LINES lines the head kept with a live tail and the
// count of lines only in the stored log. Pure: text in, text out.
import { InbandDemux } from '@runlane/protocol';

export const HEAD_LINES = 500;
export const TAIL_LINES = 40;
const COLOURS = [36, 33, 35, 32, 34, 31, 96, 93];

interface StreamState {
  partial: string;
  demux: InbandDemux;
  decoder: TextDecoder;
}

export class WorkerOutput {
  private readonly head: string[] = [];
  private tail: string[] = [];
  private hidden = 0;
  private readonly streams = new Map<string, StreamState>();
  /** Each worker's line still being rewritten with \r. */
  private readonly live = new Map<string, string>();

  constructor(private readonly colour = true) {}

  /** New bytes of one worker's stream (`writer` like "w0", `stream` "stdout" or "stderr"). */
  push(writer: string, stream: string, bytes: Uint8Array): void {
    const key = `${writer}/${stream}`;
    let s = this.streams.get(key);
    if (!s) this.streams.set(key, (s = { partial: '', demux: new InbandDemux(), decoder: new TextDecoder() }));
    this.take(writer, stream, s, s.demux.push(s.decoder.decode(bytes, { stream: true })).text);
  }

  /** The job ended: lines still waiting for their newline are shown as they are. */
  end(): void {
    for (const [key, s] of this.streams) {
      const [writer, stream] = key.split('/') as [string, string];
      this.take(writer, stream, s, s.demux.end()); // held back as a possible record: it was output, line by line
      if (s.partial) this.line(writer, stream, lastRewrite(s.partial));
      s.partial = '';
    }
    this.live.clear();
  }

  /** The cell's text now. */
  render(): string {
    const parts = [...this.head];
    if (this.hidden > 0) parts.push(`… ${this.hidden} more lines are in the stored log (runlane logs) …\n`);
    parts.push(...this.tail);
    for (const [writer, text] of this.live) parts.push(`${this.label(writer, 'stdout')}${text}\n`);
    return parts.join('');
  }

  private take(writer: string, stream: string, s: StreamState, text: string): void {
    const lines = (s.partial + text).split('\n');
    s.partial = lines.pop()!;
    for (const line of lines) this.line(writer, stream, lastRewrite(line));
    if (s.partial.includes('\r')) this.live.set(writer, lastRewrite(s.partial));
  }

  private line(writer: string, stream: string, text: string): void {
    this.live.delete(writer);
    const shown = `${this.label(writer, stream)}${text}\n`;
    if (this.head.length < HEAD_LINES) {
      this.head.push(shown);
      return;
    }
    this.tail.push(shown);
    if (this.tail.length > TAIL_LINES) {
      this.tail = this.tail.slice(-TAIL_LINES);
      this.hidden++;
    }
  }

  private label(writer: string, stream: string): string {
    const tag = `[${writer}${stream === 'stderr' ? ' err' : ''}] `;
    if (!this.colour) return tag;
    const rank = Number(/^w(\d+)$/.exec(writer)?.[1] ?? 0);
    return `\x1b[${COLOURS[rank % COLOURS.length]}m${tag}\x1b[0m`;
  }
}

function lastRewrite(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  return trimmed.slice(trimmed.lastIndexOf('\r') + 1);
}
