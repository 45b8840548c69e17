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
export function assignRunColors(runKeys: string[]): Map<string, string> {
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const key of [...runKeys].sort()) {
    const h = hash(key);
    const color = [...rotation(CVD_SAFE_COLORS, h), ...rotation(EXTRA_COLORS, h)].find((c) => !taken.has(c)) ?? RUN_PALETTE[h % RUN_PALETTE.length]!;
    taken.add(color);
    out.set(key, color);
  }
  return out;
}
