// The grouping's few styles, injected once beside the UI's stylesheet (views/styles.ts), so that big
// shared file is not grown by every feature.
const CSS = `
.rl-group-control { display: inline-flex; align-items: center; gap: 8px 16px; }
.rl-toolbar input.rl-group-by { width: 11em; }
.rl-group-hint { color: var(--vscode-errorForeground, var(--jp-error-color1, #cf222e)); }
.rl-group-hint:empty { display: none; }
.rl-legend-group .rl-group-size { color: var(--rl-muted); font-variant-numeric: tabular-nums; }
.rl-legend-group .rl-group-members { color: var(--rl-muted); font-size: 12px; max-width: 40em; }
`;

export function installGroupStyles(doc: Document): void {
  if (doc.getElementById('runlane-group-styles')) return;
  const style = doc.createElement('style');
  style.id = 'runlane-group-styles';
  style.textContent = CSS;
  doc.head.appendChild(style);
}
