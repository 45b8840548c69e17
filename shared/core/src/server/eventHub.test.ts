// The feed's resume guarantees, against a real HTTP connection: a stream cut off anywhere resumes
// with nothing lost or repeated.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreEvent } from '@runlane/protocol';
import { SseParser, type SseMessage } from '../client/sseParser.js';
import { EventHub } from './eventHub.js';

let hub: EventHub;
let server: Server;

beforeEach(async () => {
  hub = new EventHub(10_000, 64 << 10);
  server = createServer((req, res) => hub.attach(res, (req.headers['last-event-id'] as string | undefined) ?? null, null, () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  hub.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function open(lastEventId?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const port = (server.address() as AddressInfo).port;
    const req = request({ host: '127.0.0.1', port, path: '/', headers: lastEventId ? { 'last-event-id': lastEventId } : {} }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Reads messages until `count` arrived or the stream ends. */
async function read(res: IncomingMessage, count = Infinity): Promise<SseMessage[]> {
  const messages: SseMessage[] = [];
  const parser = new SseParser((m) => messages.push(m));
  try {
    for await (const chunk of res) {
      parser.push(chunk as Buffer);
      if (messages.length >= count) break;
    }
  } catch {
    // dropped by the hub: what arrived before counts
  }
  res.destroy();
  return messages;
}

function log(offset: number, length: number, writer = 'w'): StoreEvent {
  return { type: 'log', store: '/s', run_id: 'r', writer, stream: 'stdout', offset, length };
}

describe('EventHub', () => {
  it("gives a resumed stream's hello the client's own id, so a cut during the replay loses nothing", async () => {
    for (let i = 0; i < 5; i++) hub.publish(log(i, 1));
    const [hello, ...replayed] = await read(await open(`${hub.incarnation}:2`), 4);
    expect(hello).toMatchObject({ event: 'hello', id: `${hub.incarnation}:2` });
    expect(replayed.map((m) => m.id)).toEqual([3, 4, 5].map((seq) => `${hub.incarnation}:${seq}`));
    const [fresh] = await read(await open(), 1);
    expect(fresh).toMatchObject({ event: 'hello', id: `${hub.incarnation}:5` });
  });

  it('drops a client that stops reading, which then resumes with every event exactly once', async () => {
    const first = await open();
    first.pause(); // a stalled reader: nothing is consumed while events pile up
    await new Promise((r) => setTimeout(r, 50));
    const payload = 'x'.repeat(50_000);
    for (let i = 0; i < 400 && hub.clientCount > 0; i++) hub.publish(log(i, 1, payload));
    expect(hub.clientCount).toBe(0);
    const published = (hub as unknown as { seq: number }).seq;
    const before = await read(first);
    const lastId = before.at(-1)!.id!;
    const after = await read(await open(lastId), 1 + published - Number(lastId.split(':')[1]));
    const seqs = [...before, ...after].filter((m) => m.event === 'log').map((m) => Number(m.id!.split(':')[1]));
    expect(seqs).toEqual(Array.from({ length: published }, (_, i) => i + 1));
  });
});

describe('watching', () => {
  it('counts a client of every source\'s feed (JupyterLab\'s page) as watching each source, and none once it left', async () => {
    expect(hub.watching('http://127.0.0.1:5000')).toBe(false);
    const res = await open(); // this server attaches every client to the feed of every source
    await expect.poll(() => hub.watching('http://127.0.0.1:5000')).toBe(true);
    res.destroy();
    await expect.poll(() => hub.watching('http://127.0.0.1:5000')).toBe(false);
  });
});
