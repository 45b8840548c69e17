// "Ignore outliers" for the y range, as TensorBoard offers it (on by default): the range covers the
// 5th to 95th percentile of the finite values, widened a little so the lines do not touch the frame.

export function percentileRange(values: number[], low = 0.05, high = 0.95): [number, number] | null {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return null;
  const at = (q: number) => finite[Math.min(finite.length - 1, Math.max(0, Math.round(q * (finite.length - 1))))]!;
  let [min, max] = [at(low), at(high)];
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    return [min - pad, max + pad];
  }
  const pad = (max - min) * 0.08;
  min -= pad;
  max += pad;
  return [min, max];
}
