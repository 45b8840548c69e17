// Chart colours from the host's CSS variables (VS Code's --vscode-*, JupyterLab's --jp-*), resolved
// through the --rl-* variables that styles.ts defines with fallbacks for each host.
import type { ChartTheme } from './chartTypes.js';

export function readTheme(element: Element): ChartTheme {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    foreground: v('--rl-fg', '#1f2328'),
    muted: v('--rl-muted', '#6e7781'),
    background: v('--rl-bg', '#ffffff'),
    grid: v('--rl-border', '#d0d7de'),
    accent: v('--rl-accent', '#0969da'),
    fontFamily: v('--rl-font', 'system-ui, sans-serif'),
  };
}
