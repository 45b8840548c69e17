// The distributions view of a histogram card (TensorBoard's "distributions"), drawn on a canvas: per
// run, the min-max, ±1.5σ, ±1σ and ±0.5σ percentile bands over steps, shaded darker inward, and the
// median as a line, in the run's colour (runs overlaid). A canvas rather than echarts: 10 runs of
// 500 steps are 40 filled polygons here, where stacked echarts areas took seconds.
import type { ChartTheme } from '../charts/chartTypes.js';
import { formatValue } from '../charts/numberFormat.js';
import { stepTicks, valueTicks } from './histogramAxis.js';
import { bandSeries } from './histogramBands.js';
import type { HistogramRun } from './histogramTypes.js';

/** Percentile index pairs of the bands, outermost first, and each band's fill opacity. */
const BANDS: [number, number, number][] = [
  [0, 8, 0.12],
  [1, 7, 0.16],
  [2, 6, 0.2],
  [3, 5, 0.26],
];
const LEFT = 56;
const RIGHT = 12;
const TOP = 8;
const BOTTOM = 24;

/** Each run's bands as drawn (tests read the numbers; the canvas shows them). */
export function drawDistribution(canvas: HTMLCanvasElement, runs: HistogramRun[], theme: ChartTheme): { runs: number; steps: number } {
  const dpr = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || 400;
  const height = canvas.clientHeight || 240;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  const data = runs.map((run) => ({ run, ...bandSeries(run.steps) })).filter((d) => d.steps.length);
  if (!ctx) return { runs: data.length, steps: 0 };
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = `11px ${theme.fontFamily}`;
  ctx.fillStyle = theme.muted;
  if (!data.length) {
    ctx.fillText('No values logged yet.', LEFT, TOP + 14);
    return { runs: 0, steps: 0 };
  }
  let sMin = Infinity;
  let sMax = -Infinity;
  let vMin = Infinity;
  let vMax = -Infinity;
  for (const d of data) {
    sMin = Math.min(sMin, d.steps[0]!);
    sMax = Math.max(sMax, d.steps[d.steps.length - 1]!);
    for (const p of d.percentiles) {
      if (p[0]! < vMin) vMin = p[0]!;
      if (p[8]! > vMax) vMax = p[8]!;
    }
  }
  if (sMax === sMin) sMax = sMin + 1;
  if (vMax === vMin) {
    vMin -= 0.5;
    vMax += 0.5;
  }
  const plotW = width - LEFT - RIGHT;
  const plotH = height - TOP - BOTTOM;
  const x = (s: number) => LEFT + ((s - sMin) / (sMax - sMin)) * plotW;
  const y = (v: number) => TOP + (1 - (v - vMin) / (vMax - vMin)) * plotH;
  let steps = 0;
  for (const d of data) {
    steps += d.steps.length;
    ctx.fillStyle = d.run.color;
    for (const [lo, hi, alpha] of BANDS) {
      ctx.globalAlpha = alpha;
      ctx.beginPath();
      d.steps.forEach((s, i) => (i ? ctx.lineTo(x(s), y(d.percentiles[i]![hi]!)) : ctx.moveTo(x(s), y(d.percentiles[i]![hi]!))));
      for (let i = d.steps.length - 1; i >= 0; i--) ctx.lineTo(x(d.steps[i]!), y(d.percentiles[i]![lo]!));
      ctx.closePath();
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = d.run.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    d.steps.forEach((s, i) => (i ? ctx.lineTo(x(s), y(d.percentiles[i]![4]!)) : ctx.moveTo(x(s), y(d.percentiles[i]![4]!))));
    ctx.stroke();
  }
  // Axes: values on the left, steps below.
  ctx.globalAlpha = 1;
  ctx.strokeStyle = theme.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(LEFT - 0.5, TOP);
  ctx.lineTo(LEFT - 0.5, TOP + plotH + 0.5);
  ctx.lineTo(LEFT + plotW, TOP + plotH + 0.5);
  ctx.stroke();
  ctx.fillStyle = theme.muted;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const v of valueTicks(vMin, vMax, Math.max(2, Math.floor(plotH / 36)))) ctx.fillText(formatValue(v), LEFT - 6, y(v));
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  // Steps that were logged (or round numbers and both ends when too many to label), never a step between.
  for (const s of stepTicks(data.flatMap((d) => d.steps), Math.max(2, Math.floor(plotW / 48)))) ctx.fillText(`${s}`, Math.min(Math.max(LEFT + 10, x(s)), LEFT + plotW - 10), TOP + plotH + 6);
  ctx.textAlign = 'start';
  return { runs: data.length, steps };
}
