// Tick values for the histogram cards' axes. Steps are integers a user logged: a tick between them
// (0, 8, 15 for steps 0, 5, 10, 15) names a step that does not exist, so when the steps are few
// enough to label each, the ticks are the steps; otherwise round numbers (1, 2 or 5 times a power
// of ten) between the first and last step, which are always labelled.

/** A round step between ticks: 1, 2 or 5 times a power of ten, at least `span / maxTicks`. */
function niceStep(span: number, maxTicks: number): number {
  const raw = span / Math.max(1, maxTicks);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

/**
 * At most `maxTicks` ticks for these steps (sorted or not): every distinct step when they fit,
 * else the first and last step and the round numbers between them that leave room for a label.
 */
export function stepTicks(steps: readonly number[], maxTicks: number): number[] {
  const distinct = [...new Set(steps)].sort((a, b) => a - b);
  if (distinct.length <= Math.max(2, maxTicks)) return distinct;
  const first = distinct[0]!;
  const last = distinct[distinct.length - 1]!;
  const every = Math.max(1, niceStep(last - first, maxTicks - 1));
  const ticks = [first];
  // Round numbers closer than half a tick gap to an end would print over its label.
  for (let v = Math.ceil(first / every) * every; v < last; v += every) if (v - first >= every / 2 && last - v >= every / 2) ticks.push(v);
  ticks.push(last);
  return ticks;
}

/**
 * Round value ticks inside [min, max], about `count` of them, chosen as d3's ticks (the 1, 2 or 5
 * step nearest span / count, as TensorBoard's axes); the ends when no round number fits twice.
 */
export function valueTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const error = raw / power;
  const every = power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1);
  const ticks: number[] = [];
  // Multiplying, not adding, keeps 0.1 * 3 from printing as 0.30000000000000004 after many steps.
  for (let k = Math.ceil(min / every); k * every <= max + every * 1e-9; k++) ticks.push(Number((k * every).toPrecision(12)));
  return ticks.length >= 2 ? ticks : [min, max];
}
