// Real MLflow tracking servers for the tests (scripts/setup-mlflow.sh installs the pinned mlflow into
// .cache/mlflow-venv): on sqlite or on a throwaway PostgreSQL cluster (Debian's server, initdb in the
// test's folder, its own port), optionally with MLflow's basic-auth app. Each runs detached in its own
// process group with one worker and no job runner (about 410 MB instead of 1.7 GB), stopped by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, groupIsAlive, stopProcessGroup } from './processes.js';
import { sleep } from './waitFor.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MLFLOW_VENV = path.join(root, '.cache/mlflow-venv');
export const MLFLOW_BIN = path.join(MLFLOW_VENV, 'bin/mlflow');

/** Whether scripts/setup-mlflow.sh has installed the server (the test files skip without it). */
export function mlflowInstalled(): boolean {
  return existsSync(MLFLOW_BIN);
}

export interface MlflowServerOptions {
  /** A folder of the test's own: the database, artifacts, logs and (Postgres) the cluster go in it. */
  dir: string;
  backend?: 'sqlite' | 'postgres';
  /** Starts MLflow's basic-auth app; the admin user is `admin` with this password. */
  auth?: { adminPassword: string };
}

export interface MlflowServer {
  uri: string;
  port: number;
  /** The MLFLOW_* variables a client of this server needs (tracking URI, and the admin's credentials with auth). */
  env: Record<string, string>;
  /** The backend store URI the server runs on. */
  backendUri: string;
  /** SIGTERM to the server's process group (and the Postgres cluster's), then SIGKILL after a grace. */
  stop(): Promise<void>;
  /** SIGKILL of the server's process group only, as in an outage; the database stays up. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data (after kill() or alone: it stops it first). */
  restart(): Promise<void>;
  /** Stops the PostgreSQL cluster under a running server (its queries then fail: a real HTTP 500). */
  stopDatabase(): Promise<void>;
}

const PG_USER = 'ci';

/** A throwaway PostgreSQL cluster; as root it runs as the `postgres` user, since initdb refuses root. */
async function startPostgres(dir: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const bins = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  if (bins.length === 0) throw new Error('no PostgreSQL server in /usr/lib/postgresql: install Debian\'s postgresql package');
  const bin = path.join('/usr/lib/postgresql', bins[bins.length - 1]!, 'bin');
  const pgDir = path.join(dir, 'pg');
  mkdirSync(pgDir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]);
  if (asRoot) {
    const pw = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chmodSync(dir, 0o711); // the postgres user must reach its folder inside the test's
    chownSync(pgDir, Number(pw.stdout), Number(gid.stdout));
  }
  const data = path.join(pgDir, 'data');
  const [initCmd, initArgs] = wrap(path.join(bin, 'initdb'), ['-D', data, '-U', PG_USER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const [cmd, args] = wrap(path.join(bin, 'postgres'), [
    '-D', data, '-c', 'listen_addresses=127.0.0.1', '-p', String(port), '-k', pgDir,
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
  ]);
  const log = openSync(path.join(pgDir, 'postgres.log'), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log] });
  const ready = path.join(bin, 'pg_isready');
  for (let i = 0; ; i++) {
    if (spawnSync(ready, ['-h', '127.0.0.1', '-p', String(port), '-q']).status === 0) break;
    if (i > 300 || child.exitCode !== null) {
      await stopProcessGroup(child, 1000);
      throw new Error(`PostgreSQL did not start: ${readFileSync(path.join(pgDir, 'postgres.log'), 'utf8').slice(-1500)}`);
    }
    await sleep(100);
  }
  return {
    // SQLAlchemy 2.1 maps plain postgresql:// to psycopg 3; the venv has psycopg2-binary.
    url: `postgresql+psycopg2://${PG_USER}@127.0.0.1:${port}/postgres`,
    // SIGTERM would wait for clients to leave ("smart" shutdown); the data is throwaway: a short grace, then SIGKILL.
    stop: () => stopProcessGroup(child, 3000),
  };
}

export async function startMlflowServer(options: MlflowServerOptions): Promise<MlflowServer> {
  const { dir } = options;
  if (!mlflowInstalled()) throw new Error(`${MLFLOW_BIN} not found: run scripts/setup-mlflow.sh`);
  mkdirSync(dir, { recursive: true });
  const pg = options.backend === 'postgres' ? await startPostgres(dir) : undefined;
  const backendUri = pg ? pg.url : `sqlite:///${path.join(dir, 'mlflow.db')}`;
  const port = await freePort();
  const uri = `http://127.0.0.1:${port}`;
  const serverEnv: NodeJS.ProcessEnv = {
    ...process.env,
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    // No telemetry or update checks from a test.
    MLFLOW_DISABLE_TELEMETRY: 'true',
    DO_NOT_TRACK: 'true',
  };
  const env: Record<string, string> = { MLFLOW_TRACKING_URI: uri };
  const args = [
    'server', '--backend-store-uri', backendUri, '--artifacts-destination', path.join(dir, 'artifacts'),
    '--host', '127.0.0.1', '--port', String(port), '--workers', '1',
  ];
  if (options.auth) {
    // The auth app keeps its users in its own database, here in the test's folder.
    const ini = path.join(dir, 'basic_auth.ini');
    writeFileSync(ini, [
      '[mlflow]', 'default_permission = READ', `database_uri = sqlite:///${path.join(dir, 'basic_auth.db')}`,
      'admin_username = admin', `admin_password = ${options.auth.adminPassword}`,
      'authorization_function = mlflow.server.auth:authenticate_request_basic_auth', '',
    ].join('\n'));
    serverEnv.MLFLOW_AUTH_CONFIG_PATH = ini;
    // The auth app's CSRF protection refuses to start without a fixed key.
    serverEnv.MLFLOW_FLASK_SERVER_SECRET_KEY = 'runlane-test-secret';
    args.push('--app-name', 'basic-auth');
    env.MLFLOW_TRACKING_USERNAME = 'admin';
    env.MLFLOW_TRACKING_PASSWORD = options.auth.adminPassword;
  }

  let child: ChildProcess | undefined;
  const logFile = path.join(dir, 'mlflow-server.log');
  const launch = async () => {
    const log = openSync(logFile, 'a');
    const proc = spawn(MLFLOW_BIN, args, { cwd: dir, detached: true, stdio: ['ignore', log, log], env: serverEnv });
    child = proc;
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const res = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (proc.exitCode !== null || Date.now() > deadline) {
        await stopProcessGroup(proc, 1000);
        throw new Error(`mlflow server did not start on ${uri}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      }
      await sleep(150);
    }
  };
  try {
    await launch();
  } catch (err) {
    await pg?.stop();
    throw err;
  }

  const kill = async () => {
    const pid = child?.pid;
    if (pid === undefined || !groupIsAlive(pid)) return;
    process.kill(-pid, 'SIGKILL');
    while (groupIsAlive(pid)) await sleep(20);
  };
  return {
    uri,
    port,
    env,
    backendUri,
    stop: async () => {
      if (child) await stopProcessGroup(child, 5000);
      await pg?.stop();
    },
    kill,
    stopDatabase: async () => {
      if (!pg) throw new Error('stopDatabase() needs backend: "postgres"');
      await pg.stop();
    },
    restart: async () => {
      if (child) await stopProcessGroup(child, 5000);
      await launch();
    },
  };
}
