// What a Tag prompt accepts, in both editors: tags separated by spaces or commas, each `name` or
// `name=value` (a value with spaces or commas in quotes: note="two words"), `-name` removes one. A name
// is one word: the Runs filter's `tag:NAME` and `name=value` search words are split at spaces, so a tag
// named "best lr" could never be found. Pure: text in, tags (or a sentence saying what to fix) out.

/** What a Tag prompt says above its input. */
export const TAG_PROMPT = 'Tags separated by spaces or commas: name or name=value (a value with spaces in quotes); -name removes a tag';

export const TAG_PLACEHOLDER = 'best lr=high   (space-separated, commas work too: name or name=value; note="two words"; -name removes a tag)';

export type TagEdit = { tags: Record<string, string | null> } | { error: string };

/** The words of the prompt, quotes joined (`note="a b"` is one word); null when a quote is not closed. */
function words(text: string): string[] | null {
  const out: string[] = [];
  let current: string | null = null;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current ??= '';
    } else if (/[\s,]/.test(ch)) {
      // "a, b c": a comma outside quotes separates tags as a space does (a list typed as prose).
      if (current !== null) out.push(current);
      current = null;
    } else {
      current = (current ?? '') + ch;
    }
  }
  if (quote) return null;
  if (current !== null) out.push(current);
  return out;
}

export function parseTagInput(text: string): TagEdit {
  const list = words(text.trim());
  if (list === null) return { error: 'A quote is not closed: close it, as in note="two words".' };
  if (!list.length) return { error: 'Type a tag: best, or lr=high (several, separated by spaces or commas).' };
  const tags: Record<string, string | null> = {};
  for (const word of list) {
    const removing = word.startsWith('-');
    const body = removing ? word.slice(1) : word.replace(/^#/, ''); // "#best", as the rows show tags
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (!name) return { error: `“${word}” has no tag name: write it as name=value, as in lr=high.` };
    if (/\s/.test(name)) return { error: `A tag name is one word, and “${name}” has a space: write ${name.replace(/\s+/g, '_')}, or put the space in a quoted value (note="two words").` };
    if (/[:#]/.test(name)) return { error: `A tag name cannot contain “:” or “#” (“${name}”): the filter reads tag:NAME.` };
    if (removing) {
      if (eq >= 0) return { error: `“${word}” removes a tag: write just -${name}.` };
      tags[name] = null;
    } else {
      tags[name] = eq >= 0 ? body.slice(eq + 1) : '';
    }
  }
  return { tags };
}
