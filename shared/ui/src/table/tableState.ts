// What a runs table remembers per experiment: the columns' order, which are hidden, pinned, their
// widths, each metric column's field (last / min / max) and the sort. Kept in localStorage under the
// experiment's name (as the charts keep their choices, charts/panelState.ts), and handed to the host
// for its own panel state (VS Code's webview state) when it asks.
import type { MetricField, TableColumn } from './columns.js';

export type SortOrder = 'asc' | 'desc';

export interface TableState {
  /** Column ids in the order the user put them; columns not listed follow in their own order. */
  order: string[];
  hidden: string[];
  pinned: string[];
  widths: Record<string, number>;
  fields: Record<string, MetricField>;
  sort: { column: string; order: SortOrder } | null;
}

export const MIN_WIDTH = 48;
export const MAX_WIDTH = 800;
export const DEFAULT_WIDTH = 110;
const WIDE: Record<string, number> = { name: 200, tags: 160, note: 200, status: 96 };

export function emptyState(): TableState {
  return { order: [], hidden: [], pinned: ['name'], widths: {}, fields: {}, sort: null };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Keeps what is well-formed of a state read back from storage (another version may have written it). */
export function parseTableState(value: unknown): TableState {
  const state = emptyState();
  if (!value || typeof value !== 'object') return state;
  const raw = value as Record<string, unknown>;
  state.order = strings(raw.order);
  state.hidden = strings(raw.hidden);
  if (Array.isArray(raw.pinned)) state.pinned = strings(raw.pinned);
  for (const [k, w] of Object.entries((raw.widths as Record<string, unknown>) ?? {})) {
    if (typeof w === 'number' && Number.isFinite(w)) state.widths[k] = clampWidth(w);
  }
  for (const [k, f] of Object.entries((raw.fields as Record<string, unknown>) ?? {})) {
    if (f === 'last' || f === 'min' || f === 'max') state.fields[k] = f;
  }
  const sort = raw.sort as { column?: unknown; order?: unknown } | null | undefined;
  if (sort && typeof sort.column === 'string' && (sort.order === 'asc' || sort.order === 'desc')) state.sort = { column: sort.column, order: sort.order };
  return state;
}

export function clampWidth(w: number): number {
  return Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, w)));
}

export function widthOf(state: TableState, id: string): number {
  return state.widths[id] ?? WIDE[id] ?? DEFAULT_WIDTH;
}

/**
 * The columns shown, in order: pinned ones first (in the order the user pinned them, among the
 * shown), then the rest as the user ordered them, columns never ordered after those in their own order.
 */
export function layoutColumns(all: readonly TableColumn[], state: TableState): { pinned: TableColumn[]; scrolling: TableColumn[] } {
  const hidden = new Set(state.hidden);
  const rank = new Map(state.order.map((id, i) => [id, i]));
  const natural = new Map(all.map((c, i) => [c.id, i]));
  const shown = all
    .filter((c) => !hidden.has(c.id))
    .sort((a, b) => (rank.get(a.id) ?? state.order.length + natural.get(a.id)!) - (rank.get(b.id) ?? state.order.length + natural.get(b.id)!));
  const pinnedSet = new Set(state.pinned);
  return { pinned: shown.filter((c) => pinnedSet.has(c.id)), scrolling: shown.filter((c) => !pinnedSet.has(c.id)) };
}

/** Moves column `id` to just before `before` (or to the end): the order of every column is then explicit. */
export function moveColumn(state: TableState, all: readonly TableColumn[], id: string, before: string | null): TableState {
  const { pinned, scrolling } = layoutColumns(all, { ...state, hidden: [] });
  const ids = [...pinned, ...scrolling].map((c) => c.id).filter((c) => c !== id);
  const at = before === null ? ids.length : ids.indexOf(before);
  ids.splice(at < 0 ? ids.length : at, 0, id);
  return { ...state, order: ids };
}

export function toggleIn(list: string[], id: string, on: boolean): string[] {
  const rest = list.filter((x) => x !== id);
  return on ? [...rest, id] : rest;
}

const STORAGE_PREFIX = 'runlane.table.v1:';

/** The key a table's state is remembered under: its experiment's name, or `*` for a selection. */
export function storageKey(experiment: string | null): string {
  return STORAGE_PREFIX + (experiment ?? '*');
}

export function loadTableState(experiment: string | null): TableState {
  try {
    return parseTableState(JSON.parse(globalThis.localStorage?.getItem(storageKey(experiment)) ?? 'null'));
  } catch {
    return emptyState(); // storage disabled or unreadable: start from the defaults
  }
}

export function saveTableState(experiment: string | null, state: TableState): void {
  try {
    globalThis.localStorage?.setItem(storageKey(experiment), JSON.stringify(state));
  } catch {
    // storage full or disabled: the layout still holds for this table
  }
}
