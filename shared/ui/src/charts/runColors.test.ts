// The run palette checked the way a person sees it: every pair far apart in OKLab (a perceptual
// colour space; 100 x Euclidean distance, about 2 is a just-noticeable difference), also as seen with
// the common colour-vision deficiencies (Machado, Oliveira & Fernandes 2009, full severity), and every
// colour readable as a thin line on light and dark backgrounds (WCAG contrast ratio).
import { describe, expect, it } from 'vitest';
import { assignRunColors, CVD_SAFE_COLORS, RUN_PALETTE } from './runColors.js';

type Vec = [number, number, number];
const linear = (hex: string): Vec => [1, 3, 5].map((i) => {
  const c = parseInt(hex.slice(i, i + 2), 16) / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}) as Vec;
const mul = (m: number[][], v: Vec): Vec => m.map((row) => Math.min(1, Math.max(0, row[0]! * v[0] + row[1]! * v[1] + row[2]! * v[2]))) as Vec;

// Machado et al. 2009, severity 1.0, in linear RGB.
const DEFICIENCIES: Record<string, number[][] | null> = {
  normal: null,
  protanopia: [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
  deuteranopia: [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.01182, 0.04294, 0.968881]],
  tritanopia: [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.3039]],
};

function oklab([r, g, b]: Vec): Vec {
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s, 1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s, 0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s];
}

function distance(a: string, b: string, deficiency: number[][] | null): number {
  const see = (hex: string) => oklab(deficiency ? mul(deficiency, linear(hex)) : linear(hex));
  const [p, q] = [see(a), see(b)];
  return 100 * Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** The closest pair of a palette as seen with a deficiency, e.g. "#d62728/#8c564b 4.6". */
function closestPair(palette: string[], deficiency: number[][] | null): { pair: string; d: number } {
  let best = { pair: '', d: Infinity };
  palette.forEach((a, i) => palette.slice(i + 1).forEach((b) => {
    const d = distance(a, b, deficiency);
    if (d < best.d) best = { pair: `${a}/${b}`, d };
  }));
  return best;
}

function contrast(a: string, b: string): number {
  const lum = (hex: string) => { const [r, g, b2] = linear(hex); return 0.2126 * r + 0.7152 * g + 0.0722 * b2; };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

// The palette before this check, kept to show that the check would have caught it.
const OLD = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];

describe('run palette', () => {
  it('keeps the first six colours apart for everyone, including the common colour-vision deficiencies', () => {
    for (const [name, m] of Object.entries(DEFICIENCIES)) {
      const { pair, d } = closestPair(CVD_SAFE_COLORS, m);
      expect(d, `${name}: ${pair}`).toBeGreaterThan(7);
    }
    expect(closestPair(CVD_SAFE_COLORS, null).d).toBeGreaterThan(15);
    // The old palette fails the same check (near-twins, red/green pairs for deuteranopes).
    expect(closestPair(OLD, null).d).toBeLessThan(5);
    expect(closestPair(OLD, DEFICIENCIES.deuteranopia!).d).toBeLessThan(1);
  });

  it('keeps all nine colours clearly apart in normal vision', () => {
    const { pair, d } = closestPair(RUN_PALETTE, null);
    expect(d, pair).toBeGreaterThan(11);
  });

  it('draws every colour readably on light and dark backgrounds', () => {
    for (const c of RUN_PALETTE) {
      expect(contrast(c, '#ffffff'), `${c} on white`).toBeGreaterThanOrEqual(2);
      expect(contrast(c, '#1e1e1e'), `${c} on dark`).toBeGreaterThanOrEqual(2.5);
    }
    expect(OLD.some((c) => contrast(c, '#ffffff') < 2)).toBe(true); // #edc948 was near invisible on white
  });

  it('gives up to six runs colour-blind-safe colours, stable whatever the order', () => {
    const keys = Array.from({ length: 6 }, (_, i) => `store::run-${i}`);
    const a = assignRunColors(keys);
    expect(new Set(a.values())).toEqual(new Set(CVD_SAFE_COLORS));
    const b = assignRunColors([...keys].reverse());
    for (const k of keys) expect(b.get(k)).toBe(a.get(k));
    const nine = assignRunColors(Array.from({ length: 9 }, (_, i) => `store::run-${i}`));
    expect(new Set(nine.values()).size).toBe(9);
  });

  it('keeps a run\'s colour from another tab when it is free here (one run was pink in one tab, orange in another)', () => {
    const runs = Array.from({ length: 12 }, (_, i) => `store::run-${i}`);
    const first = assignRunColors(runs.slice(0, 4));
    // Another tab with one of those runs and others whose hashes may want its colour.
    for (let start = 4; start < 12; start++) {
      const tab = [runs[1]!, runs[start]!, runs[(start + 1) % 12]!];
      const colors = assignRunColors(tab, first);
      expect(colors.get(runs[1]!)).toBe(first.get(runs[1]!));
      expect(new Set(colors.values()).size).toBe(3);
    }
    expect(assignRunColors([runs[0]!], new Map([[runs[0]!, 'javascript:alert(1)']])).get(runs[0]!)).toMatch(/^#/); // only palette colours are taken back
  });
});
