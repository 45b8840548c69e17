// A stable colour per run: the same run keeps its colour on every card, across reloads, in both
// editors, in the legend, the lines and the compare table.
//
// Why these colours: the old palette (d3's category10 followed by Tableau 10) held near-twins
// (#ff7f0e/#f28e2b, #1f77b4/#4e79a7) and pairs that people with a red-green colour-vision deficiency
// cannot tell apart (#59a14f/#e15759), and a run's hash could land two runs on such a pair (users saw
// "red and dark brown"). The first runs now get Okabe & Ito's categorical palette (Wong, Nature
// Methods 2011), chosen to stay distinct for protanopia, deuteranopia and tritanopia. Its black
// (invisible on dark themes) and yellow (invisible on light themes) are left out. Runs beyond those six
// take three colours from Tableau's category10 that are the farthest from the six in normal vision;
// past nine, colours repeat (the legend and tooltip still name every line). runColors.test.ts checks
// the pairs' perceptual distances, normal and simulated deficiencies, and contrast on both themes.
export const CVD_SAFE_COLORS = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7'];
export const EXTRA_COLORS = ['#8c564b', '#bab0ac', '#9467bd'];
export const RUN_PALETTE = [...CVD_SAFE_COLORS, ...EXTRA_COLORS];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** The colours from `tier` in the order a run with this hash tries them: its own slot, then the next. */
function rotation(tier: string[], h: number): string[] {
  return tier.map((_, i) => tier[(h + i) % tier.length]!);
}

/**
 * Colours for a set of run keys: each run starts at its hash's colour and moves on while that colour
 * is taken, trying the colour-blind-safe six before the others, so up to six runs are always told
 * apart by everyone and up to nine never share a colour; a run's colour does not depend on list order.
 */
export function assignRunColors(runKeys: string[], before: ReadonlyMap<string, string> = new Map()): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  // A run keeps the colour it had in another charts tab (`before`) while no run here has it: the same
  // run in two tabs was two colours when the tabs' other runs differed.
  for (const key of [...runKeys].sort()) {
    const color = before.get(key);
    if (color && RUN_PALETTE.includes(color) && !taken.has(color)) {
      taken.add(color);
      out.set(key, color);
    }
  }
  for (const key of [...runKeys].sort()) {
    if (out.has(key)) continue;
    const h = hash(key);
    const color = [...rotation(CVD_SAFE_COLORS, h), ...rotation(EXTRA_COLORS, h)].find((c) => !taken.has(c)) ?? RUN_PALETTE[h % RUN_PALETTE.length]!;
    taken.add(color);
    out.set(key, color);
  }
  return out;
}

const STORAGE_KEY = 'runlane.runColors';
const REMEMBERED = 2000; // runs whose colours are kept; the oldest are forgotten first

/** The colours runs had in this page's (or, in VS Code, this extension's webviews') charts tabs. */
export function rememberedColors(): Map<string, string> {
  try {
    const saved = JSON.parse(globalThis.localStorage?.getItem(STORAGE_KEY) ?? '[]') as unknown;
    return new Map(Array.isArray(saved) ? saved.filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') : []);
  } catch {
    return new Map(); // storage unavailable or spoiled: colours from hashes alone
  }
}

/** Keeps `colors` for the next tab, newest last (a re-assigned run moves to the end). */
export function rememberColors(colors: ReadonlyMap<string, string>): void {
  try {
    const all = rememberedColors();
    for (const [key, color] of colors) {
      all.delete(key);
      all.set(key, color);
    }
    globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify([...all].slice(-REMEMBERED)));
  } catch {
    // storage full or unavailable: the next tab falls back to hashes
  }
}
