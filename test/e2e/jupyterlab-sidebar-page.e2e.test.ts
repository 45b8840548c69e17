// Issue 12: the Runs sidebar's first open of a big store paints the newest runs at once and says the
// rest are coming; the whole list then replaces them. A store of a few runs is read in one request.
// The real sidebar widget in Chromium over a real daemon (the charts harness); the whole list's
// request is held by the browser so that the first state can be looked at.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Request, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBigStore } from '../helpers/bigStore.js';
import { makeTempDir, removeTempDir } from '../helpers/tempDir.js';
import { startHarness, type Harness } from './charts/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let tmp: string;
let harness: Harness;
let browser: Browser;

beforeAll(async () => {
  tmp = makeTempDir('sidebar-page');
  writeBigStore(path.join(tmp, 'big'), { finished: 450, running: 0, points: 2 });
  writeBigStore(path.join(tmp, 'small'), { finished: 3, running: 0, points: 2 });
  harness = await startHarness(path.join(tmp, 'big'), path.join(here, 'sidebar', 'page.ts'));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
  if (tmp) removeTempDir(tmp);
});

const runLists = (url: string | URL) => new URL(url).pathname === '/api/v1/runs';

describe('JupyterLab Runs sidebar, first open', () => {
  it('paints the newest 200 of a big store first, then every run', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const asked: string[] = [];
    await page.route(runLists, async (route: Route, request: Request) => {
      asked.push(new URL(request.url()).searchParams.get('limit') ?? 'all');
      if (!new URL(request.url()).searchParams.has('limit')) await held; // the whole list waits
      await route.continue();
    });
    await page.goto(`${harness.url}?${new URLSearchParams({ store: path.join(tmp, 'big') })}`);
    const message = page.locator('.rl-sidebar .rl-empty').first();
    await expect.poll(() => message.textContent(), { timeout: 30_000 }).toBe('Showing the newest 200 of 450 runs; loading the rest…');
    expect(await page.locator('.rl-run-row').count()).toBeGreaterThan(5);
    // The newest run first, as the whole list will have it.
    expect(await page.locator('.rl-run-row').first().getAttribute('data-run-id')).toContain('20250101-000449');
    release();
    await expect.poll(() => message.isVisible(), { timeout: 30_000 }).toBe(false);
    await expect.poll(() => page.locator('.rl-sidebar .rl-count').first().textContent()).toBe('450');
    expect(asked).toEqual(['200', 'all']);
    await page.close();
  });

  it('reads a store of a few runs in one request', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const asked: string[] = [];
    page.on('request', (r) => runLists(r.url()) && asked.push(new URL(r.url()).searchParams.get('limit') ?? 'all'));
    await page.goto(`${harness.url}?${new URLSearchParams({ store: path.join(tmp, 'small') })}`);
    await expect.poll(() => page.locator('.rl-run-row').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.locator('.rl-sidebar .rl-count').first().textContent()).toBe('3');
    expect(asked).toEqual(['200']);
    await page.close();
  });
});
