// The media cards' styles, beside the panel's (views/styles.ts): installed once per document, with
// the same --rl-* colours, so the cards follow the editor's theme.
const CSS = `
.rl-media-section { margin-top: 4px; }
.rl-media-cards { grid-template-columns: repeat(auto-fit, minmax(min(100%, 320px), 1fr)); }
.rl-media-wide { grid-column: 1 / -1; }
/* Off-screen cards are neither laid out nor painted: a grid of 100 cards costs what the visible ones do. */
.rl-media-card, .rl-histogram-card { content-visibility: auto; contain-intrinsic-size: auto 260px; }
/* An image card is as tall before its columns are built (mediaCard.ts) as after: its layout is done once. */
.rl-media-kind-image { contain-intrinsic-size: auto 270px; }
.rl-media-kind-image .rl-media-columns { min-height: 219px; }
.rl-media-step { color: var(--rl-muted); font-size: 11px; font-variant-numeric: tabular-nums; }
.rl-media-columns { display: flex; gap: 8px; overflow-x: auto; padding: 6px 0 2px; }
.rl-media-col { margin: 0; flex: 1 1 0; min-width: 120px; max-width: 360px; display: flex; flex-direction: column; gap: 4px; }
.rl-media-run { display: flex; align-items: center; gap: 5px; font-size: 11px; color: var(--rl-muted); overflow: hidden; white-space: nowrap; text-overflow: ellipsis; }
.rl-media-run span:last-child { overflow: hidden; text-overflow: ellipsis; }
.rl-media-frame { height: 180px; display: flex; align-items: center; justify-content: center; background: var(--rl-input-bg); border-radius: 4px; overflow: hidden; }
.rl-media-image { display: block; width: 100%; height: 100%; object-fit: contain; cursor: zoom-in; }
.rl-media-pixelated { image-rendering: pixelated; }
/* A text reads across the card: its columns are not held to an image column's 360 px. */
.rl-media-kind-text .rl-media-col { max-width: none; }
.rl-media-kind-text .rl-media-frame { height: auto; min-height: 60px; align-items: stretch; justify-content: stretch; }
.rl-media-text-body { margin: 0; padding: 6px; width: 100%; max-height: 240px; overflow: auto; white-space: pre-wrap; word-break: break-word; font: 12px var(--vscode-editor-font-family, var(--jp-code-font-family, ui-monospace, monospace)); color: var(--rl-fg); }
.rl-media-placeholder { padding: 10px; color: var(--rl-muted); font-size: 11px; text-align: center; }
.rl-media-caption { font-size: 11px; color: var(--rl-fg); min-height: 1em; overflow-wrap: anywhere; }
.rl-media-slider { width: 100%; accent-color: var(--rl-accent); margin: 4px 0; }
.rl-histogram-body { height: 240px; }
.rl-histogram-canvas { width: 100%; height: 240px; display: block; }
.rl-histogram-card .rl-card-head button.rl-active { color: var(--rl-fg); border-color: var(--rl-accent); }
.rl-media-overlay { position: fixed; inset: 0; z-index: 10000; background: rgba(0, 0, 0, 0.82); display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 8px; cursor: zoom-out; }
.rl-media-overlay img { max-width: 94vw; max-height: 86vh; image-rendering: pixelated; background: #fff; }
.rl-media-overlay-caption { color: #eee; font: 12px system-ui, sans-serif; max-width: 90vw; overflow-wrap: anywhere; }
.rl-media-close { position: absolute; top: 8px; right: 12px; background: none; border: none; color: #eee; font-size: 24px; cursor: pointer; }
`;

export function installMediaStyles(doc: Document): void {
  if (doc.getElementById('rl-media-styles')) return;
  const style = doc.createElement('style');
  style.id = 'rl-media-styles';
  style.textContent = CSS;
  doc.head.appendChild(style);
}
