// The offset view of a histogram card (TensorBoard's "offset" mode), drawn on a canvas: one ridge
// per step, older steps above and newer below, each step's density over the values, in its run's
// colour (runs overlaid). A canvas, not echarts: a thousand filled paths per run draw in a few ms.
// Each step is first spread over uniform bins shared by every ridge on the card, as TensorBoard does
// (histogramRebin.ts): drawn from a writer's own uneven buckets, one tiny bucket becomes a needle.
import type { ChartTheme } from '../charts/chartTypes.js';
import { formatValue } from '../charts/numberFormat.js';
import { stepTicks, valueTicks } from './histogramAxis.js';
import { binRange, displayDensity } from './histogramRebin.js';
import type { HistogramRun } from './histogramTypes.js';

const RIDGE_HEIGHT = 0.22; // of the plot's height: a ridge's tallest point
const LEFT = 8;
const RIGHT = 64;
const TOP = 8;
const BOTTOM = 24;

export function drawRidges(canvas: HTMLCanvasElement, runs: HistogramRun[], theme: ChartTheme): void {
  const dpr = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || 400;
  const height = canvas.clientHeight || 240;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  // One range for every run's ridges, so that overlaid runs share the value axis.
  const range = binRange(runs.flatMap((r) => r.steps));
  let sMin = Infinity;
  let sMax = -Infinity;
  for (const run of runs) {
    for (const s of run.steps) {
      if (!s.counts.length) continue;
      sMin = Math.min(sMin, s.step);
      sMax = Math.max(sMax, s.step);
    }
  }
  ctx.font = `11px ${theme.fontFamily}`;
  ctx.fillStyle = theme.muted;
  if (!range) {
    ctx.fillText('No values logged yet.', LEFT, TOP + 14);
    return;
  }
  const xMin = range.left;
  const xMax = range.right;
  const plotW = width - LEFT - RIGHT;
  const plotH = height - TOP - BOTTOM;
  const ridgeH = plotH * RIDGE_HEIGHT;
  const baseTop = TOP + ridgeH;
  const span = sMax - sMin || 1;
  const xOf = (v: number) => LEFT + ((v - xMin) / (xMax - xMin)) * plotW;
  const baseOf = (step: number) => (sMax === sMin ? TOP + plotH : baseTop + ((step - sMin) / span) * (plotH - ridgeH));
  for (const run of runs) {
    // Each run scaled by its own tallest density, so that runs of different sizes compare by shape.
    const curves = run.steps.map((s) => ({ step: s.step, ...displayDensity(s, range) }));
    let peak = 0;
    for (const c of curves) for (const y of c.y) if (y > peak) peak = y;
    if (!(peak > 0)) continue;
    ctx.strokeStyle = run.color;
    ctx.fillStyle = run.color;
    for (const c of curves) {
      if (!c.x.length) continue;
      const base = baseOf(c.step);
      ctx.beginPath();
      ctx.moveTo(xOf(c.x[0]!), base);
      for (let i = 0; i < c.x.length; i++) ctx.lineTo(xOf(c.x[i]!), base - (c.y[i]! / peak) * ridgeH);
      ctx.lineTo(xOf(c.x[c.x.length - 1]!), base);
      ctx.globalAlpha = 0.12;
      ctx.fill();
      ctx.globalAlpha = 0.8;
      ctx.lineWidth = 1;
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }
  // Axes: values below, steps on the right (first and last).
  ctx.fillStyle = theme.muted;
  ctx.strokeStyle = theme.grid;
  ctx.beginPath();
  ctx.moveTo(LEFT, TOP + plotH + 0.5);
  ctx.lineTo(LEFT + plotW, TOP + plotH + 0.5);
  ctx.stroke();
  ctx.textBaseline = 'top';
  for (const v of valueTicks(xMin, xMax, Math.max(2, Math.floor(plotW / 100)))) {
    const text = formatValue(v);
    const w = ctx.measureText(text).width;
    ctx.fillText(text, Math.min(Math.max(LEFT, xOf(v) - w / 2), LEFT + plotW - w), TOP + plotH + 6);
  }
  ctx.textBaseline = 'middle';
  // The steps on the right, at their ridges' baselines.
  const steps = runs.flatMap((r) => r.steps.filter((s) => s.counts.length).map((s) => s.step));
  for (const s of stepTicks(steps, Math.max(2, Math.floor((plotH - ridgeH) / 16) + 1))) ctx.fillText(`step ${s}`, LEFT + plotW + 6, baseOf(s));
}
