// Cards resizable like TensorBoard's: drag a card's corner to make it wider (by grid columns) or taller
// (by pixels); double-click the corner for the default size again. The grid (`auto-fit`) fills the
// width; a card's span is clamped to the columns the grid has room for, so a wide card on a narrow
// panel takes one row rather than overflowing it, and rows around a widened card are packed full.
import { MAX_CARD_HEIGHT, MIN_CARD_HEIGHT, type CardSize } from './panelState.js';

export const DEFAULT_CARD_HEIGHT = 240;
const GAP = 10; // .rl-cards gap

/** Column capacity of a grid: collapsed auto-fit tracks count (they are room a card may take). */
export function gridColumns(grid: HTMLElement): number {
  const tracks = getComputedStyle(grid).gridTemplateColumns.split(' ').filter((t) => t && t !== 'none');
  return Math.max(1, tracks.length);
}

/** Span and height for a drag from `start` by (dx, dy) pixels on a grid `gridWidth` wide with `columns`. */
export function resizedSize(start: { width: number; height: number }, dx: number, dy: number, gridWidth: number, columns: number): CardSize {
  const column = (gridWidth - GAP * (columns - 1)) / columns;
  const span = Math.round((start.width + dx + GAP) / (column + GAP));
  return {
    span: Math.min(columns, Math.max(1, span)),
    height: Math.round(Math.min(MAX_CARD_HEIGHT, Math.max(MIN_CARD_HEIGHT, start.height + dy))),
  };
}

/**
 * The spans the cards of one grid take. Without a widened card the grid places them itself. With one,
 * each row's last card takes what room its row has left, so a card made wider never leaves a hole
 * beside the card that no longer fits next to it.
 */
export function packSpans(spans: number[], columns: number): number[] {
  const out = spans.map((s) => Math.min(columns, Math.max(1, s)));
  if (out.every((s) => s === 1)) return out;
  let used = 0;
  for (let i = 0; i < out.length; i++) {
    if (used > 0 && used + out[i]! > columns) {
      out[i - 1]! += columns - used;
      used = 0;
    }
    used += out[i]!;
  }
  if (used > 0 && used < columns) out[out.length - 1]! += columns - used;
  return out;
}

export function applyCardSize(box: HTMLElement, chart: HTMLElement, size: CardSize | undefined, span = 1): void {
  box.style.gridColumn = span > 1 ? `span ${span}` : '';
  chart.style.height = `${size?.height ?? DEFAULT_CARD_HEIGHT}px`;
}

/** Sizes every card of a grid: `sizeOf` gives a card's saved size (undefined: the default). */
export function layoutGrid(grid: HTMLElement, sizeOf: (card: HTMLElement) => CardSize | undefined): void {
  const cards = Array.from(grid.children).filter((c): c is HTMLElement => c instanceof HTMLElement && c.classList.contains('rl-card'));
  const spans = packSpans(cards.map((c) => sizeOf(c)?.span ?? 1), gridColumns(grid));
  cards.forEach((card, i) => applyCardSize(card, card.querySelector<HTMLElement>('.rl-chart')!, sizeOf(card), spans[i]));
}

/** Adds the corner handle to a card; `onResize` gets the new size (undefined: back to the default). */
export function makeResizable(box: HTMLElement, chart: HTMLElement, onResize: (size: CardSize | undefined) => void): HTMLElement {
  const handle = document.createElement('div');
  handle.className = 'rl-resize';
  handle.title = 'Drag to resize this card; double-click for the default size';
  handle.addEventListener('pointerdown', (down) => {
    down.preventDefault();
    const grid = box.parentElement;
    if (!grid) return;
    handle.setPointerCapture(down.pointerId);
    const start = { width: box.getBoundingClientRect().width, height: chart.getBoundingClientRect().height };
    const columns = gridColumns(grid);
    const gridWidth = grid.getBoundingClientRect().width;
    let size: CardSize = { span: 1, height: start.height };
    const move = (e: PointerEvent) => {
      size = resizedSize(start, e.clientX - down.clientX, e.clientY - down.clientY, gridWidth, columns);
      applyCardSize(box, chart, size, size.span);
    };
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      handle.removeEventListener('pointercancel', up);
      onResize(size);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    handle.addEventListener('pointercancel', up);
  });
  handle.addEventListener('dblclick', () => onResize(undefined));
  box.appendChild(handle);
  return handle;
}
