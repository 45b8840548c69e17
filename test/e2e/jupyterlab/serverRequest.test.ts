// The JupyterLab extension's one request function against a real Jupyter server (JupyterLab from
// .venv with runlane_jupyterlab, the real daemon behind it): the page's connection and every run
// request go through ServerConnection.makeRequest, so they are authenticated as JupyterLab's own
// requests are (here by the token in the settings: Node has no cookies), and each failure reads as
// one sentence that says what to do.
import { mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ServerConnection } from '@jupyterlab/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../../helpers/tempDir.js';
import { stopDaemonIn } from '../../helpers/daemon.js';
import { StoreWriter } from '@runlane/core';
import { RunlaneConnection } from '../../../jupyterlab-ext/src/connection.js';
import { runlaneUrl, serverRequest, ServerRequestError } from '../../../jupyterlab-ext/src/request.js';
import { startLab, type Lab } from './lab.js';

let tmp: string;
let folder: string;
let lab: Lab;
let runId: string;

function settings(token = lab.token): ServerConnection.ISettings {
  return ServerConnection.makeSettings({ baseUrl: lab.url('/').split('?')[0], token });
}

beforeAll(async () => {
  tmp = makeTempDir('request');
  folder = path.join(tmp, 'work');
  mkdirSync(folder);
  const writer = await StoreWriter.open(path.join(folder, '.runlane'));
  runId = await writer.createRun({ name: 'seen through Jupyter', experiment: 'request', kind: 'script' });
  writer.appendEvent(runId, { type: 'status', status: 'finished' });
  lab = await startLab(folder, {
    RUNLANE_RUNTIME_DIR: path.join(tmp, 'rt'),
    JUPYTER_CONFIG_DIR: path.join(tmp, 'jc'),
    JUPYTER_RUNTIME_DIR: path.join(tmp, 'jr'),
    RUNLANE_DIR: '',
  });
}, 120_000);

afterAll(async () => {
  await lab?.stop();
  await stopDaemonIn(path.join(tmp, 'rt'));
  removeTempDir(tmp);
}, 60_000);

describe('the JupyterLab extension’s requests', () => {
  it('reads the config, lists, edits and reads runs through the Jupyter server with its authentication', async () => {
    const connection = await RunlaneConnection.open(settings());
    expect(connection.config.root_dir).toBe(folder);
    const store = path.join(folder, '.runlane');
    connection.bridge.add({ kind: 'store', path: store, why: 'the test', removable: false });
    expect((await connection.bridge.listSource(store)).map((r) => r.name)).toEqual(['seen through Jupyter']);
    // A write (PATCH with a body) passes Jupyter's checks as the page's own writes do.
    await connection.bridge.updateRun({ source: store, id: runId }, { name: 'renamed' });
    expect((await connection.bridge.getRun({ source: store, id: runId })).name).toBe('renamed');
    expect(await connection.notebookStore('nb.ipynb')).toMatchObject({ store, exists: true });
  });

  it("passes the daemon's own sentence on, from the connection and from the run requests alike", async () => {
    const connection = await RunlaneConnection.open(settings());
    const store = path.join(folder, '.runlane');
    connection.bridge.add({ kind: 'store', path: store, why: 'the test', removable: false });
    const missing = await connection.bridge.getRun({ source: store, id: 'no-such-run' }).catch((err: Error) => err);
    expect(missing).toBeInstanceOf(ServerRequestError);
    expect((missing as ServerRequestError).status).toBe(404);
    expect((missing as Error).message).toMatch(/no-such-run/);
    const outside = await connection.notebookStore('../elsewhere.ipynb').catch((err: Error) => err);
    expect((outside as Error).message).toBe("The notebook ../elsewhere.ipynb is not under the server's folder.");
  });

  it('lists a store that does not exist yet as empty, through the Jupyter server, and makes nothing', async () => {
    // Where a notebook's runs go must not depend on what the sidebar looked at first (issue 12).
    const sub = path.join(folder, 'mlp');
    mkdirSync(sub);
    const store = path.join(sub, '.runlane');
    const connection = await RunlaneConnection.open(settings());
    connection.bridge.add({ kind: 'store', path: store, why: 'the test', removable: false });
    expect(await connection.bridge.listSource(store)).toEqual([]);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('says the login expired when Jupyter refuses the request, for the config and for a run', async () => {
    const refused = await RunlaneConnection.open(settings('wrong-token')).catch((err: Error) => err);
    expect((refused as Error).message).toBe('The Jupyter server refused the request (403): the login may have expired; reload the page and log in again.');
    const request = serverRequest(settings('wrong-token'));
    const run = await request(`${runlaneUrl(settings(), 'api', 'v1', 'runs')}?store=${encodeURIComponent(path.join(folder, '.runlane'))}`).catch((err: Error) => err);
    expect((run as ServerRequestError).status).toBe(403);
    expect((run as Error).message).toMatch(/^The Jupyter server refused the request \(403\)/);
  });

  it('says the server has no Runlane extension for a route it does not know, and when the server is gone', async () => {
    const request = serverRequest(settings());
    const unknown = await request(runlaneUrl(settings(), 'no-such-route')).catch((err: Error) => err);
    expect((unknown as Error).message).toBe('The Jupyter server has no Runlane extension (404); install runlane-jupyterlab in its environment, then restart JupyterLab.');
    const gone = settings();
    await lab.stop();
    const down = await serverRequest(gone)(runlaneUrl(gone, 'config')).catch((err: Error) => err);
    expect((down as ServerRequestError).status).toBe(0);
    expect((down as Error).message).toMatch(/^Runlane could not reach the Jupyter server \(.+\); check that it still runs, then reload the page\.$/);
  });
});
