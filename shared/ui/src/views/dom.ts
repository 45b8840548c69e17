// Creates elements with properties set as DOM properties (textContent, never innerHTML): every name,
// param and value in the UI is user text and is rendered as text. Children are nodes or text.
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Omit<HTMLElementTagNameMap[K], 'style' | 'dataset'>> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  Object.assign(element, props);
  if (children.length) element.append(...children);
  return element;
}
