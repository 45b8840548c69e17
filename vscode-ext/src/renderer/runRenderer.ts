// The notebook renderer of `application/vnd.runlane.run+json` (contract C3): the run's name, as text,
// with "Details" and "Charts" links; a click asks the extension (renderer messaging) to open the panel.
import { parseRunLink, type RunLinkMessage } from '../notebook/runLink';

interface OutputItem {
  json(): unknown;
}
interface RendererContext {
  postMessage?(message: unknown): void;
}

export function activate(context: RendererContext) {
  return {
    renderOutputItem(item: OutputItem, element: HTMLElement): void {
      element.replaceChildren();
      const run = parseRunLink(item.json());
      const box = document.createElement('div');
      box.className = 'runlane-run-link';
      box.style.cssText = 'display:flex;gap:0.8em;align-items:baseline;font-family:var(--vscode-font-family);padding:2px 0';
      if (!run) {
        box.textContent = 'Runlane: this output names no run.';
        element.append(box);
        return;
      }
      const label = document.createElement('span');
      label.append('Runlane run ');
      const name = document.createElement('strong');
      name.className = 'runlane-run-name';
      name.textContent = run.name; // text, never markup
      name.title = `${run.experiment} · ${run.id}`;
      label.append(name);
      box.append(label);
      for (const view of ['details', 'charts'] as const) {
        const link = document.createElement('a');
        link.href = '#';
        link.className = `runlane-open-${view}`;
        link.textContent = view === 'details' ? 'Details' : 'Charts';
        link.style.color = 'var(--vscode-textLink-foreground)';
        link.addEventListener('click', (e) => {
          e.preventDefault();
          const message: RunLinkMessage = { type: 'open', view, run };
          context.postMessage?.(message);
        });
        box.append(link);
      }
      element.append(box);
    },
  };
}
