// One precision for every number the charts show (axis labels, tooltips, the compare table, the runs
// list): 4 significant digits, trailing zeros dropped, exponent notation outside [0.001, 100000).
// Before, the axis, the tooltip and the table each rounded their own way (0.2346 / 0.23456 / 2.346e-1).

export const SIGNIFICANT_DIGITS = 4;

function trimExponent(text: string): string {
  // "1.500e-5" -> "1.5e-5", "2.000e+6" -> "2e+6"
  return text.replace(/\.?0+e/, 'e');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs < 1e-3 || abs >= 1e5) return trimExponent(v.toExponential(SIGNIFICANT_DIGITS - 1));
  const rounded = Number(v.toPrecision(SIGNIFICANT_DIGITS));
  // toPrecision may itself round up into exponent range (99999.9 -> 1.000e+5).
  return Math.abs(rounded) >= 1e5 ? trimExponent(rounded.toExponential(SIGNIFICANT_DIGITS - 1)) : String(rounded);
}

/**
 * An axis label: one notation for every tick of an axis, chosen by the largest value on it (`0.0012,
 * 0.001, 0.0008`, not `0.0012, 0.001, 8e-4`), at 4 significant digits, or more when the axis spans
 * too little of its magnitude for 4 to tell its ticks apart (`tickDigits`).
 */
export function formatTick(v: number, magnitude: number, digits = SIGNIFICANT_DIGITS): string {
  if (!Number.isFinite(v) || v === 0) return formatValue(v);
  const m = Math.abs(magnitude);
  if (m >= 1e-3 && m < 1e5) return String(Number(v.toPrecision(digits)));
  return trimExponent(v.toExponential(digits - 1));
}

/**
 * Significant digits for the ticks of an axis whose values span `span` around `magnitude`: a CPU
 * figure between 4.6001 and 4.6007 needs 6 (at 4 every tick read "4.6"). Two digits below the span's
 * own order, as an axis has about 5 to 10 ticks over its span.
 */
export function tickDigits(magnitude: number, span: number): number {
  const m = Math.abs(magnitude);
  if (!(span > 0) || !(m > 0) || !Number.isFinite(m / span)) return SIGNIFICANT_DIGITS;
  return Math.min(15, Math.max(SIGNIFICANT_DIGITS, Math.ceil(Math.log10(m / span)) + 2));
}
