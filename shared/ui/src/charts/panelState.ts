// What a charts panel remembers: the settings the user chose in it (not the host's defaults) and the
// size of each card they resized. Hosts persist it with the panel (VS Code's webview state); every
// panel also keeps the last choices in localStorage, so a new panel starts the way the user left the
// last one (JupyterLab's tabs, and a VS Code panel with no state of its own yet).
import type { ChartSettings } from './chartTypes.js';
import { isGroupBy } from '../groups/groupRuns.js';

export interface CardSize {
  /** Grid columns the card spans (1 = the default width). */
  span: number;
  /** Height of the plot in CSS pixels. */
  height: number;
}

export interface ChartsPanelState {
  choices: Partial<ChartSettings>;
  cards: Record<string, CardSize>;
}

export const EMPTY_STATE: ChartsPanelState = { choices: {}, cards: {} };
const STORAGE_KEY = 'runlane.charts.state.v1';
export const MIN_CARD_HEIGHT = 160;
export const MAX_CARD_HEIGHT = 1200;

/** Keeps what is well-formed of a state read back from storage (another version may have written it). */
export function parseState(value: unknown): ChartsPanelState {
  if (!value || typeof value !== 'object') return { choices: {}, cards: {} };
  const raw = value as { choices?: Record<string, unknown>; cards?: Record<string, unknown> };
  const c = raw.choices ?? {};
  const choices: Partial<ChartSettings> = {};
  if (typeof c.smoothing === 'number' && c.smoothing >= 0 && c.smoothing < 1) choices.smoothing = c.smoothing;
  if (c.xAxis === 'step' || c.xAxis === 'relative' || c.xAxis === 'wall') choices.xAxis = c.xAxis;
  if (c.yScale === 'linear' || c.yScale === 'log') choices.yScale = c.yScale;
  if (typeof c.ignoreOutliers === 'boolean') choices.ignoreOutliers = c.ignoreOutliers;
  if (c.ranks === 'primary' || c.ranks === 'all' || c.ranks === 'mean') choices.ranks = c.ranks;
  if (isGroupBy(c.groupBy)) choices.groupBy = c.groupBy;
  if (c.band === 'minmax' || c.band === 'std') choices.band = c.band;
  const cards: Record<string, CardSize> = {};
  for (const [key, size] of Object.entries(raw.cards ?? {})) {
    const s = size as Partial<CardSize> | null;
    if (s && Number.isInteger(s.span) && s.span! >= 1 && typeof s.height === 'number' && Number.isFinite(s.height)) {
      cards[key] = { span: s.span!, height: Math.min(MAX_CARD_HEIGHT, Math.max(MIN_CARD_HEIGHT, s.height)) };
    }
  }
  return { choices, cards };
}

export function loadRemembered(): ChartsPanelState {
  try {
    return parseState(JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? 'null'));
  } catch {
    return { choices: {}, cards: {} }; // storage disabled or unreadable: start from the defaults
  }
}

export function remember(state: ChartsPanelState): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(state));
  } catch {
    // storage full or disabled: the choice still holds for this panel
  }
}
