// The runs table's e2e flow, the same in both editors (JupyterLab's tab, VS Code's webview): a sweep of
// six runs written to the store, then what a user does in the table: choose columns (hide two, show a
// metric's min), sort by it both ways, filter with an expression (and a wrong one explained), select the
// top 2 by val/loss and open them in the charts, tag them in bulk, and watch a cell change live.
import type { Locator } from 'playwright-core';
import { expect } from 'vitest';
import { StoreWriter } from '@runlane/core';

export const TABLE_EXPERIMENT = 'table-sweep';

/** Lowest val/loss of each (lr, seed): known, so sort and filter results are known. */
const FLOOR: Record<number, number> = { 0.1: 0.4, 0.01: 0.2, 0.001: 0.3 };

export interface Sweep {
  writer: StoreWriter;
  /** Run id by name (`sweep lr=0.01 seed=0`). */
  ids: Map<string, string>;
}

export async function writeSweep(store: string): Promise<Sweep> {
  const writer = await StoreWriter.open(store);
  const ids = new Map<string, string>();
  for (const lr of [0.1, 0.01, 0.001]) {
    for (const seed of [0, 1]) {
      const name = `sweep lr=${lr} seed=${seed}`;
      const id = await writer.createRun({ name, experiment: TABLE_EXPERIMENT, kind: 'script' });
      ids.set(name, id);
      writer.appendEvent(id, { type: 'status', status: 'running' });
      writer.appendEvent(id, { type: 'params', params: { lr, seed, layers: 2 } });
      const floor = FLOOR[lr]! + seed / 100;
      writer.logMetrics(id, 'val/loss', [1, 0.5, floor].map((value, step) => ({ step, value, time: 1.7e9 + step })));
      writer.logMetrics(id, 'acc', [{ step: 2, value: 1 - floor, time: 1.7e9 + 2 }]);
      writer.appendEvent(id, { type: 'status', status: 'finished' });
    }
  }
  return { writer, ids };
}

/** Anything to find elements in: a page, a frame (a VS Code webview), or a tab's locator. */
export interface Root {
  locator(selector: string, options?: { hasText?: string | RegExp }): Locator;
}

/** The names of the rows in the order shown (rows are absolutely placed: ordered by their top). */
export async function shownNames(root: Root): Promise<string[]> {
  return root.locator('.rl-grid-row').evaluateAll((rows) =>
    rows
      .map((r) => [parseFloat((r as HTMLElement).style.top), r.querySelector('[data-col="name"]')?.textContent ?? ''] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, name]) => name),
  );
}

const headers = (root: Root) => root.locator('.rl-grid-head .rl-head-cell[data-col]').allTextContents();
/** A row's cell text, by run name and column id. */
const cell = (root: Root, name: string, column: string) => root.locator('.rl-grid-row', { hasText: name }).first().locator(`.rl-cell[data-col="${column}"]`).textContent();

export interface FlowHooks {
  shot(name: string): Promise<void>;
  /** Waits until the editor shows a charts view with these runs, then comes back to the table. */
  chartsOpened(names: string[]): Promise<void>;
}

export async function tableFlow(root: Root, sweep: Sweep, hooks: FlowHooks): Promise<void> {
  await expect.poll(() => root.locator('.rl-grid-row').count(), { timeout: 30_000 }).toBe(6);
  expect(await root.locator('.rl-table-count').textContent()).toBe('6 of 6 runs · 0 selected');

  // Columns: hide target and note, show val/loss as its min.
  await root.locator('button', { hasText: 'Columns' }).click();
  await root.locator('.rl-col-item[data-col="target"] input[type=checkbox]').first().uncheck();
  await root.locator('.rl-col-item[data-col="note"] input[type=checkbox]').first().uncheck();
  await root.locator('.rl-col-item[data-col="metric:val/loss"] select').selectOption('min');
  await root.locator('button', { hasText: 'Columns' }).click();
  await expect.poll(() => headers(root)).toContain('val/loss (min)');
  const shown = await headers(root);
  expect(shown).not.toContain('target');
  expect(shown).not.toContain('note');
  expect(shown).toEqual(expect.arrayContaining(['name', 'status', 'lr', 'seed', 'acc']));

  // Sort by val/loss (min): ascending, then descending.
  const lossHead = root.locator('.rl-head-cell[data-col="metric:val/loss"]');
  await lossHead.click();
  await expect.poll(() => shownNames(root)).toEqual(['sweep lr=0.01 seed=0', 'sweep lr=0.01 seed=1', 'sweep lr=0.001 seed=0', 'sweep lr=0.001 seed=1', 'sweep lr=0.1 seed=0', 'sweep lr=0.1 seed=1']);
  // The first row is on screen, not under the sticky header: what is at its name's centre is that row.
  const top = root.locator('.rl-grid-row', { hasText: 'sweep lr=0.01 seed=0' }).first();
  expect(await top.evaluate((row) => {
    const box = row.querySelector('[data-col="name"]')!.getBoundingClientRect();
    return row.contains(document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2));
  })).toBe(true);
  await lossHead.click();
  await expect.poll(async () => (await shownNames(root))[0]).toBe('sweep lr=0.1 seed=1');
  expect(await lossHead.getAttribute('aria-sort')).toBe('descending');

  // A filter expression; a wrong one is explained and leaves the rows as they were.
  const filter = root.locator('.rl-table-filter');
  await filter.fill('lrr > 1');
  await expect.poll(() => root.locator('.rl-table-message').textContent()).toMatch(/lrr.*lr/);
  await filter.fill('val/loss.min < 0.35 and lr >= 0.01');
  await expect.poll(() => shownNames(root)).toEqual(['sweep lr=0.01 seed=1', 'sweep lr=0.01 seed=0']);
  expect(await root.locator('.rl-table-message').textContent()).toBe('');
  await hooks.shot('table-filtered');
  await filter.fill('');
  await expect.poll(() => root.locator('.rl-grid-row').count()).toBe(6);

  // Boxes: a click, then a shift-click ticks the range between (in the order shown); the header's box all, then none.
  const order = await shownNames(root);
  const box = (name: string) => root.locator('.rl-grid-row', { hasText: name }).first().locator('.rl-check input');
  await box(order[1]!).click();
  await box(order[3]!).click({ modifiers: ['Shift'] });
  await expect.poll(() => root.locator('.rl-table-count').textContent()).toBe('6 of 6 runs · 3 selected');
  expect((await root.locator('.rl-grid-row.rl-selected').allTextContents()).length).toBe(3);
  const all = root.locator('.rl-grid-head .rl-check input');
  await all.check();
  await expect.poll(() => root.locator('.rl-table-count').textContent()).toBe('6 of 6 runs · 6 selected');
  await all.uncheck();
  await expect.poll(() => root.locator('.rl-table-count').textContent()).toBe('6 of 6 runs · 0 selected');

  // Select the top 2 by val/loss, open them in the charts.
  await root.locator('.rl-table-bar select[aria-label="Metric to select the top runs by"]').selectOption('val/loss');
  await root.locator('.rl-table-bar input[aria-label="How many runs to select"]').fill('2');
  await root.locator('button', { hasText: 'Select top' }).click();
  await expect.poll(() => root.locator('.rl-table-count').textContent()).toBe('6 of 6 runs · 2 selected');
  expect(await root.locator('.rl-grid-row.rl-selected').count()).toBe(2);
  await root.locator('button', { hasText: 'Chart selected' }).click();
  await hooks.chartsOpened(['sweep lr=0.01 seed=0', 'sweep lr=0.01 seed=1']);

  // Bulk tag: both runs get the tag (through the daemon, back over the feed into the cells).
  await root.locator('input[aria-label="Tags for the selected runs"]').fill('best');
  await root.locator('button', { hasText: /^Tag$/ }).click();
  await expect.poll(() => cell(root, 'sweep lr=0.01 seed=0', 'tags'), { timeout: 30_000 }).toBe('best');
  await expect.poll(() => cell(root, 'sweep lr=0.01 seed=1', 'tags'), { timeout: 30_000 }).toBe('best');
  expect(await cell(root, 'sweep lr=0.1 seed=0', 'tags')).toBe('');

  // Live: a point logged now shows in its cell.
  sweep.writer.logMetrics(sweep.ids.get('sweep lr=0.1 seed=1')!, 'val/loss', [{ step: 3, value: 0.05, time: 1.7e9 + 3 }]);
  await expect.poll(() => cell(root, 'sweep lr=0.1 seed=1', 'metric:val/loss'), { timeout: 30_000 }).toBe('0.05');
  // Clicking the last header scrolled the grid sideways: back to the left, where status is, for the picture.
  await root.locator('.rl-grid').evaluate((grid) => (grid.scrollLeft = 0));
  await hooks.shot('table');
}
