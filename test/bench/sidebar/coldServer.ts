// Serves the sidebar bench page the way JupyterLab's server extension serves the real one, with no
// daemon running: the page's first API request finds none, starts `runlane serve` (the real CLI, its
// own process, as runlane_jupyterlab's handlers do through the helper's DaemonClient), then forwards
// with the daemon's token. It notes when the first request came, when the daemon answered and when
// the run list's first byte came back, so the bench can say where a cold first paint spends its time.
import { build } from 'esbuild';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeInfo } from '@runlane/protocol';
import { findOrStart } from '../../../shared/core/src/client/daemonLauncher.js';
import { stopDaemonIn } from '../../helpers/daemon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// The CLI bundle the Python helper carries: the one JupyterLab's server extension starts.
export const cli = path.resolve(here, '../../../shared/kernel-helper/src/runlane/_node/runlane.cjs');

export interface ColdTimes {
  /** performance.now() (this process) of the first API request, the daemon's first answer, the run list's first byte. */
  firstRequest: number;
  daemonReady: number;
  listFirstByte: number;
}

export interface ColdServer {
  url: string;
  /** Forgets the daemon and the times: the next page meets no daemon again (call stopDaemon first). */
  reset(): void;
  times(): ColdTimes;
  stopDaemon(): Promise<void>;
  close(): Promise<void>;
}

export async function startColdServer(store: string, runtimeDir: string): Promise<ColdServer> {
  const bundle = await build({ entryPoints: [path.join(here, 'page.ts')], loader: { '.css': 'text' }, bundle: true, write: false, format: 'iife', target: 'es2022', logLevel: 'silent' });
  const js = bundle.outputFiles[0]!.contents;
  const html = '<!doctype html><meta charset="utf-8"><title>Runlane sidebar</title><script src="/page.js"></script>';
  let daemon: Promise<RuntimeInfo> | null = null;
  let times: ColdTimes = { firstRequest: NaN, daemonReady: NaN, listFirstByte: NaN };
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) {
      if (Number.isNaN(times.firstRequest)) times.firstRequest = performance.now();
      daemon ??= findOrStart({ runtimeDir, store, serveCommand: { command: process.execPath, args: [cli] }, timeoutMs: 120_000 }).then((info) => {
        times.daemonReady = performance.now();
        return info;
      });
      void daemon.then(
        (info) => {
          const upstream = request({ host: '127.0.0.1', port: info.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${info.token}` } }, (answer) => {
            if (req.url!.startsWith('/api/v1/runs?') && Number.isNaN(times.listFirstByte)) times.listFirstByte = performance.now();
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          });
          req.pipe(upstream);
          res.on('close', () => upstream.destroy());
        },
        (err: Error) => (res.writeHead(503, { 'content-type': 'application/json' }), res.end(JSON.stringify({ error: err.message }))),
      );
      return;
    }
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    reset: () => {
      daemon = null;
      times = { firstRequest: NaN, daemonReady: NaN, listFirstByte: NaN };
    },
    times: () => ({ ...times }),
    stopDaemon: () => stopDaemonIn(runtimeDir),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await stopDaemonIn(runtimeDir);
    },
  };
}
