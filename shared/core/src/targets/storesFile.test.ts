// runlane.toml's [stores.NAME] as parsed for `runlane push --to`, the daemon's auto-sync and
// GET /stores: what is accepted, and the sentence for each mistake.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PREFIX, TOKEN_HEADER } from '@runlane/protocol';
import { makeTempDir, removeTempDir } from '../../../../test/helpers/tempDir.js';
import { Daemon } from '../server/daemon.js';
import { parseStores } from './storesFile.js';

describe('parseStores', () => {
  it('reads MLflow stores beside the targets, sync off unless asked', () => {
    const text = `
[targets.gpu]
kind = "local"

[stores.team]
kind = "mlflow"
uri = "https://mlflow.example.com:5000/"
sync = "auto"

[stores.archive]
kind = "mlflow"
uri = "http://archive:5000"
`;
    expect(parseStores(text)).toEqual([
      { name: 'team', kind: 'mlflow', uri: 'https://mlflow.example.com:5000/', sync: 'auto' },
      { name: 'archive', kind: 'mlflow', uri: 'http://archive:5000', sync: 'off' },
    ]);
    expect(parseStores('')).toEqual([]);
  });

  it.each([
    ['[stores.t]\nkind = "wandb"\nuri = "http://h"', /\[stores\.t\] needs kind = "mlflow" .*got "wandb"/],
    ['[stores.t]\nkind = "mlflow"', /\[stores\.t\] needs uri = "http:\/\/host:port"/],
    ['[stores.t]\nkind = "mlflow"\nuri = "sqlite:///mlflow.db"', /\[stores\.t\]: Runlane reads MLflow tracking servers over http\(s\) only/],
    ['[stores.t]\nkind = "mlflow"\nuri = "http://ann:secret@h:5000"', /take the password out of uri \(http:\/\/h:5000\) and set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD/],
    ['[stores.t]\nkind = "mlflow"\nuri = "http://h"\nsync = "yes"', /sync must be "auto" or "off", not "yes"/],
    ['[stores.t]\nkind = "mlflow"\nuri = "http://h"\ntoken = "x"', /unknown setting "token" \(known: kind, uri, sync\)/],
    ['[stores."a b"]\nkind = "mlflow"\nuri = "http://h"', /the store name "a b" may use letters, digits/],
    ['stores = 3', /"stores" must be a table of \[stores\.NAME\] sections/],
    ['[stores.t\n', /is not valid TOML/],
  ])('names the mistake in %j', (text, message) => {
    expect(() => parseStores(text)).toThrow(message);
  });

  it('never shows a password that was put in the uri', () => {
    let message = '';
    try {
      parseStores('[stores.t]\nkind = "mlflow"\nuri = "http://ann:secret@h:5000"');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('http://h:5000');
    expect(message).not.toContain('secret');
  });
});

describe('GET /api/v1/stores', () => {
  let dir: string;
  let daemon: Daemon;
  beforeEach(async () => {
    dir = makeTempDir('stores');
    mkdirSync(path.join(dir, '.runlane'));
    daemon = new Daemon({ defaultStore: path.join(dir, '.runlane'), runtimeDir: null, idleTimeout: 0 });
    await daemon.start();
  });
  afterEach(async () => {
    await daemon.close();
    removeTempDir(dir);
  });

  const get = async () => {
    const res = await fetch(`http://127.0.0.1:${daemon.port}${API_PREFIX}/stores?store=${encodeURIComponent(path.join(dir, '.runlane'))}`, { headers: { [TOKEN_HEADER]: daemon.token } });
    return { status: res.status, body: await res.json() };
  };

  it('lists the stores the project declares, and says what is wrong with a bad one', async () => {
    writeFileSync(path.join(dir, 'runlane.toml'), '[stores.team]\nkind = "mlflow"\nuri = "http://mlflow:5000"\n');
    expect(await get()).toEqual({ status: 200, body: [{ name: 'team', kind: 'mlflow', uri: 'http://mlflow:5000', sync: 'off' }] });
    writeFileSync(path.join(dir, 'runlane.toml'), '[stores.team]\nkind = "mlflow"\n');
    expect(await get()).toMatchObject({ status: 400, body: { code: 'bad_request', error: expect.stringContaining('[stores.team] needs uri') } });
  });
});
