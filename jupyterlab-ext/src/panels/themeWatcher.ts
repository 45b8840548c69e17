// Follows JupyterLab's theme: the shared views take their colours from --jp-* variables and switch
// their dark defaults with the theme's light/dark flag.
import type { IThemeManager } from '@jupyterlab/apputils';

export function followTheme(themes: IThemeManager | null, apply: (dark: boolean) => void): () => void {
  const set = () => apply(themes?.theme ? !themes.isLight(themes.theme) : false);
  set();
  if (!themes) return () => {};
  themes.themeChanged.connect(set);
  return () => themes.themeChanged.disconnect(set);
}
