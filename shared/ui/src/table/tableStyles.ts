// The runs table's stylesheet, beside the views' one (views/styles.ts, whose colour variables it uses:
// the editor's theme in both hosts). Rows and cells have fixed heights so the window is pure arithmetic.
import { installStyles } from '../views/styles.js';

export const ROW_HEIGHT = 26;
export const CHECK_WIDTH = 30;

const CSS = `
.rl-table-root { height: 100%; gap: 6px; min-height: 0; min-width: 0; }
.rl-table-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.rl-table-bar input, .rl-table-bar select, .rl-columns-menu input[type=search], .rl-columns-menu select {
  background: var(--rl-input-bg); color: var(--rl-fg); border: 1px solid var(--rl-border); border-radius: 4px; padding: 3px 6px; font: inherit; font-size: 12px; }
.rl-table-bar .rl-table-filter { flex: 1 1 260px; min-width: 180px; font-family: var(--vscode-editor-font-family, var(--jp-code-font-family, ui-monospace, monospace)); }
.rl-table-bar .rl-table-filter.rl-invalid { border-color: var(--vscode-errorForeground, var(--jp-error-color1, #cf222e)); }
.rl-table-bar .rl-table-search { flex: 0 1 180px; }
.rl-table-bar input[type=number] { width: 4.5em; }
.rl-table-sep { width: 1px; align-self: stretch; background: var(--rl-border); }
.rl-table-message { font-size: 12px; min-height: 16px; color: var(--rl-muted); }
.rl-table-message button { margin-left: 8px; }
.rl-grid { position: relative; flex: 1 1 auto; min-height: 120px; min-width: 0; overflow: auto; border: 1px solid var(--rl-border); border-radius: 4px; font-variant-numeric: tabular-nums; }
.rl-grid-canvas { position: relative; }
.rl-grid-body { position: relative; }
.rl-grid-head { position: sticky; top: 0; z-index: 3; display: flex; height: ${ROW_HEIGHT + 4}px; background: var(--rl-card); border-bottom: 1px solid var(--rl-border); }
.rl-grid-row { position: absolute; left: 0; display: flex; height: ${ROW_HEIGHT}px; contain: layout style; }
.rl-grid-row:hover .rl-cell { background: color-mix(in srgb, var(--rl-accent) 8%, var(--rl-bg)); }
.rl-grid-row.rl-selected .rl-cell { background: color-mix(in srgb, var(--rl-accent) 18%, var(--rl-bg)); }
.rl-grid-row.rl-group-row .rl-cell { font-weight: 600; background: var(--rl-card); }
.rl-cell { flex: none; box-sizing: border-box; padding: 0 8px; line-height: ${ROW_HEIGHT}px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  border-bottom: 1px solid color-mix(in srgb, var(--rl-border) 60%, transparent); background: var(--rl-bg); }
.rl-cell.rl-num { text-align: right; }
.rl-cell.rl-pinned { position: sticky; z-index: 1; }
.rl-cell.rl-pinned-last { border-right: 1px solid var(--rl-border); }
.rl-cell.rl-check { position: sticky; left: 0; z-index: 1; padding: 0; text-align: center; }
.rl-cell .rl-pill { font-size: 10px; padding: 1px 6px; }
.rl-cell.rl-member-name { padding-left: 22px; }
.rl-gap { flex: none; }
.rl-head-cell { position: relative; display: flex; align-items: center; gap: 4px; line-height: normal; background: var(--rl-card); color: var(--rl-muted); font-weight: 600; cursor: pointer; user-select: none; }
.rl-head-cell .rl-head-label { overflow: hidden; text-overflow: ellipsis; flex: 1; }
.rl-head-cell.rl-num .rl-head-label { text-align: right; }
.rl-head-cell.rl-sorted { color: var(--rl-fg); }
.rl-head-cell.rl-drop-before { box-shadow: inset 2px 0 0 var(--rl-accent); }
.rl-col-resize { position: absolute; top: 0; right: 0; width: 6px; height: 100%; cursor: col-resize; touch-action: none; }
.rl-col-resize:hover { background: var(--rl-accent); opacity: 0.5; }
.rl-columns-menu { position: absolute; z-index: 10; right: 12px; top: 44px; width: 340px; max-height: 60vh; overflow: auto; padding: 8px;
  background: var(--rl-card); border: 1px solid var(--rl-border); border-radius: 6px; box-shadow: 0 4px 16px rgba(0,0,0,.25); display: flex; flex-direction: column; gap: 4px; }
.rl-columns-menu[hidden] { display: none; }
.rl-columns-menu .rl-col-item { display: flex; align-items: center; gap: 6px; font-size: 12px; }
.rl-columns-menu .rl-col-item span { flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
`;

export function installTableStyles(doc: Document = document): void {
  installStyles(doc);
  if (doc.getElementById('runlane-table-styles')) return;
  const style = doc.createElement('style');
  style.id = 'runlane-table-styles';
  style.textContent = CSS;
  doc.head.appendChild(style);
}
