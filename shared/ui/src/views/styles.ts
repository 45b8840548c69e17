// The UI's stylesheet, injected once. Colours come from the host: VS Code's --vscode-* variables,
// else JupyterLab's --jp-*, else a light default; each host's dark theme therefore just works.
import { statusPillCss } from '../charts/statusColors.js';

const CSS = `
.rl-root {
  --rl-fg: var(--vscode-foreground, var(--jp-ui-font-color1, #1f2328));
  --rl-muted: var(--vscode-descriptionForeground, var(--jp-ui-font-color2, #6e7781));
  --rl-bg: var(--vscode-editor-background, var(--jp-layout-color1, #ffffff));
  --rl-card: var(--vscode-sideBar-background, var(--jp-layout-color0, #ffffff));
  --rl-border: var(--vscode-panel-border, var(--jp-border-color2, #d0d7de));
  --rl-accent: var(--vscode-focusBorder, var(--jp-brand-color1, #0969da));
  --rl-input-bg: var(--vscode-input-background, var(--jp-input-background, #f6f8fa));
  --rl-font: var(--vscode-font-family, var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", sans-serif));
  color: var(--rl-fg); background: var(--rl-bg); font: 13px/1.4 var(--rl-font);
  display: flex; flex-direction: column; gap: 10px; padding: 10px 12px; box-sizing: border-box;
}
.rl-root.rl-dark {
  --rl-fg: var(--vscode-foreground, var(--jp-ui-font-color1, #e6edf3));
  --rl-muted: var(--vscode-descriptionForeground, var(--jp-ui-font-color2, #8b949e));
  --rl-bg: var(--vscode-editor-background, var(--jp-layout-color1, #0d1117));
  --rl-card: var(--vscode-sideBar-background, var(--jp-layout-color0, #161b22));
  --rl-border: var(--vscode-panel-border, var(--jp-border-color2, #30363d));
  --rl-accent: var(--vscode-focusBorder, var(--jp-brand-color1, #2f81f7));
  --rl-input-bg: var(--vscode-input-background, var(--jp-input-background, #0d1117));
}
.rl-toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; }
.rl-toolbar label { display: inline-flex; align-items: center; gap: 6px; color: var(--rl-muted); }
.rl-toolbar input[type=search], .rl-toolbar select, .rl-toolbar input[type=number] {
  background: var(--rl-input-bg); color: var(--rl-fg); border: 1px solid var(--rl-border); border-radius: 4px; padding: 3px 6px; font: inherit;
}
.rl-toolbar input[type=search] { width: 230px; }
.rl-toolbar input[type=range] { width: 110px; accent-color: var(--rl-accent); }
.rl-smoothing-value { width: 3.2em; font-variant-numeric: tabular-nums; color: var(--rl-fg); }
.rl-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; }
.rl-legend-item { display: inline-flex; align-items: center; gap: 6px; cursor: pointer; user-select: none; }
.rl-legend-item.rl-hidden { opacity: 0.35; }
.rl-swatch { width: 10px; height: 10px; border-radius: 5px; flex: none; }
.rl-legend-line { display: inline-flex; align-items: center; margin-right: 4px; }
.rl-line-sample { flex: none; margin-right: 6px; }
.rl-status { color: var(--rl-muted); font-size: 11px; }
.rl-group > summary { cursor: pointer; font-weight: 600; margin: 4px 0 8px; color: var(--rl-fg); }
.rl-group-count { color: var(--rl-muted); font-weight: normal; margin-left: 6px; }
.rl-cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 400px), 1fr)); gap: 10px; }
.rl-card { position: relative; background: var(--rl-card); border: 1px solid var(--rl-border); border-radius: 6px; padding: 8px 8px 2px; min-width: 0; }
.rl-resize { position: absolute; right: 0; bottom: 0; width: 14px; height: 14px; cursor: nwse-resize; touch-action: none;
  background: linear-gradient(135deg, transparent 50%, var(--rl-muted) 50%, var(--rl-muted) 58%, transparent 58%, transparent 70%, var(--rl-muted) 70%, var(--rl-muted) 78%, transparent 78%); opacity: 0.6; }
.rl-resize:hover { opacity: 1; }
.rl-run-status { font-size: 11px; font-weight: 600; }
.rl-status-dot { display: inline-block; width: 8px; height: 8px; border-radius: 4px; margin-right: 6px; vertical-align: 1px; }
.rl-run-mark { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 6px; vertical-align: 0; }
.rl-compare th .rl-pill { margin-left: 8px; font-size: 10px; padding: 0 6px; vertical-align: 1px; }
.rl-rank-control[hidden] { display: none; }
.rl-card-head { display: flex; align-items: center; gap: 8px; }
.rl-card-title { font-weight: 600; flex: 1; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.rl-card-head button { background: none; border: 1px solid var(--rl-border); color: var(--rl-muted); border-radius: 4px; font: 11px var(--rl-font); padding: 1px 6px; cursor: pointer; }
.rl-card-head button:hover { color: var(--rl-fg); border-color: var(--rl-accent); }
.rl-chart { height: 240px; }
.rl-empty { color: var(--rl-muted); padding: 24px 0; }
.rl-compare { overflow-x: auto; }
.rl-compare table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
.rl-compare th, .rl-compare td { border-bottom: 1px solid var(--rl-border); padding: 3px 10px; text-align: left; white-space: nowrap; }
.rl-compare th { color: var(--rl-muted); font-weight: 600; }
.rl-compare tr.rl-differs td { background: color-mix(in srgb, var(--rl-accent) 14%, transparent); }
.rl-parallel { height: 260px; }
`;

// Run details and the runs list.
const VIEWS_CSS = `
.rl-details { gap: 14px; overflow: auto; height: 100%; }
.rl-details h2.rl-title { font-size: 17px; margin: 0; overflow-wrap: anywhere; }
.rl-details h3 { font-size: 13px; margin: 0 0 6px; color: var(--rl-fg); }
.rl-title-row { display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
.rl-actions { margin-left: auto; display: inline-flex; gap: 6px; }
.rl-muted { color: var(--rl-muted); font-size: 12px; }
.rl-mono { font-family: var(--vscode-editor-font-family, var(--jp-code-font-family, ui-monospace, monospace)); }
.rl-section { border-top: 1px solid var(--rl-border); padding-top: 10px; }
.rl-details-summary { display: flex; flex-direction: column; gap: 14px; }
.rl-table { border-collapse: collapse; font-size: 12px; }
.rl-table th, .rl-table td { text-align: left; padding: 3px 12px 3px 0; border-bottom: 1px solid var(--rl-border); vertical-align: top; overflow-wrap: anywhere; }
.rl-table thead th { color: var(--rl-muted); font-weight: 600; }
.rl-kv th { color: var(--rl-muted); font-weight: normal; white-space: nowrap; }
.rl-num { font-variant-numeric: tabular-nums; text-align: right !important; }
.rl-pre { margin: 0; padding: 8px 10px; background: var(--rl-input-bg); border: 1px solid var(--rl-border); border-radius: 4px;
  font: 12px/1.45 var(--vscode-editor-font-family, var(--jp-code-font-family, ui-monospace, monospace)); white-space: pre-wrap; overflow-wrap: anywhere; max-height: 420px; overflow: auto; }
.rl-error { color: var(--vscode-errorForeground, var(--jp-error-color1, #cf222e)); }
.rl-diff .rl-added { background: rgba(46, 160, 67, 0.18); }
.rl-diff .rl-removed { background: rgba(248, 81, 73, 0.18); }
.rl-diff-toggle { display: inline-flex; gap: 6px; align-items: center; font-size: 12px; color: var(--rl-muted); margin-bottom: 6px; }
.rl-chips { display: flex; flex-wrap: wrap; gap: 6px; }
.rl-chip { border: 1px solid var(--rl-border); border-radius: 10px; padding: 1px 8px; font-size: 12px; }
.rl-pill { border-radius: 10px; padding: 1px 8px; font-size: 11px; font-weight: 600; color: #fff; background: #6e7781; }
${statusPillCss()}
.rl-button { background: var(--vscode-button-secondaryBackground, var(--jp-layout-color2, #f6f8fa)); color: var(--vscode-button-secondaryForeground, var(--rl-fg));
  border: 1px solid var(--rl-border); border-radius: 4px; padding: 2px 10px; font: inherit; font-size: 12px; cursor: pointer; }
.rl-button:hover { border-color: var(--rl-accent); }
.rl-logs details { margin-bottom: 8px; }
.rl-logs summary { cursor: pointer; font-size: 12px; color: var(--rl-muted); margin-bottom: 4px; }
`;

export function installStyles(doc: Document = document): void {
  if (doc.getElementById('runlane-styles')) return;
  const style = doc.createElement('style');
  style.id = 'runlane-styles';
  style.textContent = CSS + VIEWS_CSS;
  doc.head.appendChild(style);
}
