// Terminal output shown as a terminal would: ANSI colours and bold/italic/underline as styled spans
// (parsed by anser), a line rewritten with `\r` (a progress bar) shown as its last state. Built from
// text nodes only, so a log can never inject markup.
import Anser from 'anser';

/** The last state of each line: what follows the last `\r` (a `\r\n` line end is just an end). */
export function collapseCarriageReturns(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      const cut = trimmed.lastIndexOf('\r');
      return cut < 0 ? trimmed : trimmed.slice(cut + 1);
    })
    .join('\n');
}

export function ansiFragment(doc: Document, text: string): DocumentFragment {
  const fragment = doc.createDocumentFragment();
  for (const part of Anser.ansiToJson(collapseCarriageReturns(text), { json: true, remove_empty: true })) {
    const span = doc.createElement('span');
    span.textContent = part.content;
    if (part.fg) span.style.color = `rgb(${part.fg})`;
    if (part.bg) span.style.backgroundColor = `rgb(${part.bg})`;
    for (const decoration of part.decorations ?? []) {
      if (decoration === 'bold') span.style.fontWeight = '600';
      else if (decoration === 'italic') span.style.fontStyle = 'italic';
      else if (decoration === 'underline') span.style.textDecoration = 'underline';
      else if (decoration === 'dim') span.style.opacity = '0.7';
    }
    fragment.appendChild(span);
  }
  return fragment;
}
