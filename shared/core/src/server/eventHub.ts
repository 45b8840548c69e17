// The live change feed: every StoreEvent gets an id `<incarnation>:<seq>` and is kept in a ring
// buffer, so a client that reconnects with Last-Event-ID receives exactly what it missed.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { StoreEvent } from '@runlane/protocol';

interface Stored {
  seq: number;
  event: StoreEvent;
}

interface Client {
  res: ServerResponse;
  store: string | null;
}

const KEEPALIVE_MS = 15_000;

function storeOf(event: StoreEvent): string | null {
  return 'store' in event ? event.store : null;
}

export class EventHub {
  readonly incarnation = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private seq = 0;
  private readonly buffer: Stored[] = [];
  private readonly clients = new Set<Client>();
  private readonly keepalive: NodeJS.Timeout;

  constructor(private readonly capacity = 10_000) {
    this.keepalive = setInterval(() => this.broadcastComment('keepalive'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  publish(event: StoreEvent): void {
    const stored = { seq: ++this.seq, event };
    this.buffer.push(stored);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const client of this.clients) this.send(client, stored);
  }

  /** Starts an SSE stream: a hello, then the missed events (or a reset), then live events. */
  attach(res: ServerResponse, lastEventId: string | null, store: string | null, onClose: () => void): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    const client: Client = { res, store };
    res.write(`retry: 1000\n`);
    this.write(res, `${this.incarnation}:${this.seq}`, { type: 'hello', incarnation: this.incarnation });
    const replay = this.missedSince(lastEventId);
    if (replay === null) {
      this.write(res, `${this.incarnation}:${this.seq}`, { type: 'reset', reason: 'The event id is from another daemon start or too old; fetch the state again.' });
    } else {
      for (const stored of replay) this.send(client, stored);
    }
    this.clients.add(client);
    res.on('close', () => {
      this.clients.delete(client);
      onClose();
    });
  }

  close(): void {
    clearInterval(this.keepalive);
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }

  /** Events after `lastEventId`; [] without one; null when it cannot be resumed. */
  private missedSince(lastEventId: string | null): Stored[] | null {
    if (!lastEventId) return [];
    const [incarnation, seqText] = lastEventId.split(':');
    const seq = Number(seqText);
    if (incarnation !== this.incarnation || !Number.isInteger(seq) || seq > this.seq) return null;
    const oldest = this.buffer[0]?.seq ?? this.seq + 1;
    if (seq < oldest - 1) return null;
    return this.buffer.filter((s) => s.seq > seq);
  }

  private send(client: Client, stored: Stored): void {
    const store = storeOf(stored.event);
    if (client.store !== null && store !== null && store !== client.store) return;
    this.write(client.res, `${this.incarnation}:${stored.seq}`, stored.event);
  }

  private write(res: ServerResponse, id: string, event: StoreEvent): void {
    res.write(`id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
  }

  private broadcastComment(text: string): void {
    for (const client of this.clients) client.res.write(`: ${text}\n\n`);
  }
}
