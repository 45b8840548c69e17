// Small element makers for the Runs sidebar and its rows. Text always goes in as textContent: run
// names, tags and paths are the user's strings, never HTML.
export function input(type: string, className: string, placeholder: string): HTMLInputElement {
  const i = document.createElement('input');
  i.type = type;
  if (className) i.className = className;
  if (placeholder) i.placeholder = placeholder;
  return i;
}

export function option(value: string, label: string): HTMLOptionElement {
  const o = document.createElement('option');
  o.value = value;
  o.textContent = label;
  return o;
}

export function div(className: string, ...children: (Node | string)[]): HTMLDivElement {
  const d = document.createElement('div');
  d.className = className;
  d.append(...children);
  return d;
}

export function text(tag: string, content: string, className = ''): HTMLElement {
  const e = document.createElement(tag);
  e.textContent = content;
  if (className) e.className = className;
  return e;
}
