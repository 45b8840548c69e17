// The notebook renderer of `application/vnd.runlane.run+json` (contract C3): the run's name, as text,
// with "Details" and "Charts" links; a click asks the extension (renderer messaging) to open the panel.
// The name shown is the run's current label: the renderer asks the extension for it, and the extension
// sends it again whenever it changes (a rename in the tree, a job cell's rl.run(name=...)).
import { parseNames, parseRunLink, type RunLinkMessage } from '../notebook/runLink';

interface OutputItem {
  json(): unknown;
}
interface RendererContext {
  postMessage?(message: unknown): void;
  onDidReceiveMessage?(listener: (message: unknown) => void): unknown;
}

export function activate(context: RendererContext) {
  // The name elements shown, by run id (an output removed from the page is dropped on the next update).
  const shown = new Map<string, Set<HTMLElement>>();
  context.onDidReceiveMessage?.((message) => {
    const names = parseNames(message);
    if (!names) return;
    for (const [id, name] of names) {
      for (const el of shown.get(id) ?? []) {
        if (!el.isConnected) shown.get(id)!.delete(el);
        else if (el.textContent !== name) el.textContent = name; // text, never markup
      }
    }
  });
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
      const same = shown.get(run.id) ?? new Set<HTMLElement>();
      shown.set(run.id, same.add(name));
      const ask: RunLinkMessage = { type: 'names?', ids: [run.id] };
      context.postMessage?.(ask);
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
