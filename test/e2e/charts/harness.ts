// Serves the charts test page: the page bundle (esbuild, in memory), and /api/* proxied to an
// in-process daemon with its token added, as jupyter-server-proxy does for JupyterLab.
import { build } from 'esbuild';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Daemon } from '@runlane/core';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Harness {
  url: string;
  daemon: Daemon;
  close(): Promise<void>;
}

/** `entry`: the page's script (default: the charts page); CSS it imports is bundled as text. */
export async function startHarness(defaultStore: string, entry = path.join(here, 'page.ts')): Promise<Harness> {
  const bundle = await build({
    entryPoints: [entry],
    loader: { '.css': 'text' },
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
  });
  const js = bundle.outputFiles[0]!.contents;
  const daemon = new Daemon({ defaultStore, runtimeDir: null, idleTimeout: 0 });
  await daemon.start();
  const html = '<!doctype html><meta charset="utf-8"><title>Runlane charts</title><div id="app"></div><script src="/page.js"></script>';
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) {
      const upstream = request(
        { host: '127.0.0.1', port: daemon.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${daemon.token}` } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
      // A feed cut as the page or the daemon closes is no error of the test's.
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
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
    daemon,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await daemon.close();
    },
  };
}
