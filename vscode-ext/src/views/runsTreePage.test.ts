// Issue 12: the Runs view's first open of a big store paints the daemon's newest 200 runs at once,
// saying how many there are, and the whole list replaces them when it has come (JupyterLab's sidebar
// does the same). A real daemon on a generated store of 450 runs serves the page; the in-process whole
// listing is real too, held back at the one seam (StoreReader.open) until the test lets it go.
import * as path from 'node:path';
import type { RunSummary } from '@runlane/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeBigStore } from '../../../test/helpers/bigStore.js';
import { startTestDaemon, type TestDaemon } from '../../../test/helpers/daemon.js';
import { makeTempDir, removeTempDir } from '../../../test/helpers/tempDir.js';

vi.mock('vscode', () => import('../testing/vscodeStub.js'));

/** The test's runtime folder (its daemon, never the user's) and the gate the whole listing waits on. */
const held = vi.hoisted(() => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { runtimeDir: '', gate, release: () => release(), wholeListings: 0 };
});

vi.mock('@runlane/core', async (original) => {
  const core = await original<typeof import('@runlane/core')>();
  return {
    ...core,
    // The test's daemon only: a client that started one of its own would outlive the test.
    DaemonClient: { connect: (options: object) => core.DaemonClient.connect({ ...options, runtimeDir: held.runtimeDir, start: false }) },
    StoreReader: {
      open: async (dir: string, warn: (message: string) => void) => {
        const reader = await core.StoreReader.open(dir, warn);
        return {
          listRuns: async (): Promise<RunSummary[]> => {
            held.wholeListings++;
            const runs = await reader.listRuns();
            await held.gate;
            return runs;
          },
        };
      },
    },
  };
});

const { RunlaneService } = await import('../service.js');
const { RunsTree } = await import('./runsTree.js');

let dir = '';
let store = '';
let daemon: TestDaemon | null = null;

beforeAll(async () => {
  dir = makeTempDir('vscode-first-page');
  store = path.join(dir, '.runlane');
  held.runtimeDir = path.join(dir, 'runtime');
  writeBigStore(store, { finished: 450, running: 0, points: 2 });
  daemon = await startTestDaemon({ store, runtimeDir: held.runtimeDir });
});

afterAll(async () => {
  held.release();
  await daemon?.close();
  removeTempDir(dir);
});

describe('the Runs tree on a big store', () => {
  it('shows the newest 200 of 450 runs with "loading the rest…" at once, then all 450, one redraw each', async () => {
    const service = new RunlaneService('/no-cli.cjs', { appendLine: () => undefined } as never);
    service.setSources([{ kind: 'store', path: store, label: '.runlane', reason: 'workspace folder' }]);
    const tree = new RunsTree(service, () => null);
    const fired: unknown[] = [];
    tree.onDidChangeTreeData((e) => fired.push(e));
    const rows = () => tree.getChildren().flatMap((n) => (n.kind === 'experiment' ? tree.getChildren(n) : [n]));
    try {
      // The first page, while the whole list is held back.
      await expect.poll(() => service.totalOf(store)).toBe(450);
      expect(held.wholeListings).toBe(1);
      const first = rows();
      const message = first[0]!;
      expect(message.kind).toBe('message');
      expect(tree.getTreeItem(message).label).toBe('Showing the newest 200 of 450 runs; loading the rest…');
      const shown = first.filter((n) => n.kind === 'run').map((n) => (n.kind === 'run' ? n.run.name : ''));
      expect(shown).toHaveLength(200);
      // The newest: runs 250 to 449 of the generated store (each created a minute after the last).
      expect(new Set(shown)).toEqual(new Set(Array.from({ length: 200 }, (_, i) => `run ${250 + i}`)));
      expect(fired).toEqual([undefined]);

      // The whole list replaces the page: no message, every run, one more redraw.
      held.release();
      await expect.poll(() => service.totalOf(store)).toBeNull();
      await expect.poll(() => rows().filter((n) => n.kind === 'run').length).toBe(450);
      expect(rows().some((n) => n.kind === 'message')).toBe(false);
      expect(fired).toEqual([undefined, undefined]);
    } finally {
      tree.dispose();
      service.dispose();
    }
  });
});
