// A long-lived client (the VS Code extension host) outliving the daemon it first found.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestDaemon } from '../../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import type { Daemon } from '../server/daemon.js';
import { DaemonClient, type DaemonError } from './daemonClient.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../test/fixtures');

let tmp: string;
let runtime: string;
const daemons: Daemon[] = [];

async function startDaemon(): Promise<Daemon> {
  const { daemon } = await startTestDaemon({ store: path.join(fixtures, 'store-v1'), runtimeDir: runtime });
  daemons.push(daemon);
  return daemon;
}

beforeEach(() => {
  tmp = makeTempDir('client');
  runtime = path.join(tmp, 'runtime');
});
afterEach(async () => {
  for (const daemon of daemons.splice(0)) await daemon.close();
  removeTempDir(tmp);
});

describe('DaemonClient', () => {
  it('finds the new daemon when the one it knew has gone (idle exit, crash)', async () => {
    const first = await startDaemon();
    const client = await DaemonClient.connect({ runtimeDir: runtime, start: false });
    expect((await client.health()).incarnation).toBe(first.hub.incarnation);
    await first.close();
    const second = await startDaemon();
    expect((await client.health()).incarnation).toBe(second.hub.incarnation);
    expect((await client.runs()).length).toBe(3);
  });

  it('says in a sentence that no daemon runs, when it may not start one', async () => {
    const daemon = await startDaemon();
    const client = await DaemonClient.connect({ runtimeDir: runtime, start: false });
    await daemon.close();
    await expect(client.runs()).rejects.toThrow('No Runlane daemon is running. Start one with `runlane serve`.');
  });

  it('stops following the feed and reports why when the daemon refuses the store', async () => {
    await startDaemon();
    const client = await DaemonClient.connect({ runtimeDir: runtime, start: false, store: path.join(fixtures, 'store-v99') });
    const refused = await new Promise<DaemonError>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the feed kept retrying without reporting an error')), 5_000);
      client.events(
        () => {},
        {
          onError: (err) => {
            clearTimeout(timer);
            resolve(err);
          },
        },
      );
    });
    expect(refused.status).toBe(409);
    expect(refused.message).toMatch(/format version 99.*Upgrade Runlane/);
  });
});
