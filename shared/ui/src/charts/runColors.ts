// A stable colour per run: the same run keeps its colour on every card, across reloads, in both
// editors. The palette is readable on light and dark backgrounds alike.
export const RUN_PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf',
  '#bcbd22', '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1',
];

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/**
 * Colours for a set of run keys: each run starts at its hash's colour and moves on while that colour
 * is taken, so up to 16 runs never share one and a run's colour does not depend on list order.
 */
export function assignRunColors(runKeys: string[]): Map<string, string> {
  const taken = new Set<number>();
  const out = new Map<string, string>();
  for (const key of [...runKeys].sort()) {
    let slot = hash(key) % RUN_PALETTE.length;
    for (let i = 0; i < RUN_PALETTE.length && taken.has(slot); i++) slot = (slot + 1) % RUN_PALETTE.length;
    taken.add(slot);
    out.set(key, RUN_PALETTE[slot]!);
  }
  return out;
}
