// TensorBoard's scalar smoothing, with its exact semantics (tensorboard/webapp/widgets/line_chart_v2/
// data_transformer.ts, summarized in ANCHORS.md): a debiased exponential moving average.

/** Clamps the weight to [0, 1]; a non-finite weight means no smoothing. */
export function clampSmoothingWeight(weight: number): number {
  if (!Number.isFinite(weight)) return 0;
  return Math.min(1, Math.max(0, weight));
}

/**
 * Smoothed values, one per input. Non-finite values (NaN, +/-Inf) are passed through as they are and
 * neither update the average nor its count; a series whose values all equal its first value is
 * returned unsmoothed (so a constant line is not bent by the debiasing).
 */
export function smoothTensorBoard(values: ArrayLike<number>, weight: number): Float64Array {
  const w = clampSmoothingWeight(weight);
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const first = values[0]!;
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = values[i] === first;
  if (constant) {
    for (let i = 0; i < n; i++) out[i] = values[i]!;
    return out;
  }
  let last = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    const debias = w === 1 ? 1 : 1 - Math.pow(w, count);
    out[i] = last / debias;
  }
  return out;
}
