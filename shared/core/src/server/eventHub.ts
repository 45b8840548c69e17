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

/**
 * Bytes a client may leave unread before it is dropped. A stalled reader (a suspended laptop, a
 * paused webview) would otherwise make the daemon buffer every event forever; dropped, it
 * reconnects with its Last-Event-ID and gets the gap from the ring buffer, or a reset.
 */
const MAX_UNREAD_BYTES = 16 << 20;

function storeOf(event: StoreEvent): string | null {
  return 'store' in event ? event.store : null;
}

export class EventHub {
  readonly incarnation = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private seq = 0;
  private readonly buffer: Stored[] = [];
  private readonly clients = new Set<Client>();
  private readonly keepalive: NodeJS.Timeout;

  constructor(
    private readonly capacity = 10_000,
    private readonly maxUnreadBytes = MAX_UNREAD_BYTES,
  ) {
    this.keepalive = setInterval(() => this.broadcastComment('keepalive'), KEEPALIVE_MS);
    this.keepalive.unref();
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Whether a client follows the feed of `store` (an MLflow source polls only then): its own feed, or
   * the feed of every source (JupyterLab's page follows one such feed for all the sources it shows).
   */
  watching(store: string): boolean {
    for (const client of this.clients) if (client.store === store || client.store === null) return true;
    return false;
  }

  publish(event: StoreEvent): void {
    const stored = { seq: ++this.seq, event };
    this.buffer.push(stored);
    if (this.buffer.length > this.capacity) this.buffer.shift();
    for (const client of this.clients) {
      this.send(client, stored);
      if (client.res.writableLength > this.maxUnreadBytes) {
        this.clients.delete(client);
        client.res.destroy();
      }
    }
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
    const replay = this.missedSince(lastEventId);
    // The hello's id is where this stream resumes from: a client cut off during the replay must
    // ask for the rest of it again, not for what comes after the newest event.
    const resumeFrom = replay !== null && lastEventId ? lastEventId : `${this.incarnation}:${this.seq}`;
    this.write(res, resumeFrom, { type: 'hello', incarnation: this.incarnation });
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
