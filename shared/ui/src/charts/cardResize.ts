// Cards resizable like TensorBoard's: drag a card's corner to make it wider (by grid columns) or taller
// (by pixels); double-click the corner for the default size again. The grid (`auto-fit`) fills the
// width; a card's span is clamped to the columns the grid has room for, so a wide card on a narrow
// panel takes one row rather than overflowing it.
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

export function applyCardSize(box: HTMLElement, chart: HTMLElement, size: CardSize | undefined): void {
  const grid = box.parentElement;
  const span = size && grid ? Math.min(size.span, gridColumns(grid)) : 1;
  box.style.gridColumn = span > 1 ? `span ${span}` : '';
  chart.style.height = `${size?.height ?? DEFAULT_CARD_HEIGHT}px`;
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
      applyCardSize(box, chart, size);
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
  handle.addEventListener('dblclick', () => {
    applyCardSize(box, chart, undefined);
    onResize(undefined);
  });
  box.appendChild(handle);
  return handle;
}
