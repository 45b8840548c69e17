import { describe, expect, it } from 'vitest';
import { clampSmoothingWeight, smoothTensorBoard } from './smoothing.js';

describe('smoothTensorBoard (TensorBoard semantics)', () => {
  it('matches hand-computed debiased EMA values at w = 0.6', () => {
    // last1 = 0.4*1 = 0.4, /(1-0.6) = 1
    // last2 = 0.4*0.6 + 0.4*2 = 1.04, /(1-0.36) = 1.625
    // last3 = 1.04*0.6 + 0.4*4 = 2.224, /(1-0.216) = 2.836734693877551
    const out = Array.from(smoothTensorBoard([1, 2, 4], 0.6));
    expect(out[0]).toBeCloseTo(1, 12);
    expect(out[1]).toBeCloseTo(1.625, 12);
    expect(out[2]).toBeCloseTo(2.836734693877551, 12);
  });

  it('passes NaN and Inf through without updating the average or its count', () => {
    const out = Array.from(smoothTensorBoard([1, NaN, 2, Infinity, 4], 0.6));
    expect(out[1]).toBeNaN();
    expect(out[3]).toBe(Infinity);
    expect(out[2]).toBeCloseTo(1.625, 12);
    expect(out[4]).toBeCloseTo(2.836734693877551, 12);
  });

  it('leaves a constant series unsmoothed and w = 0 as the raw values', () => {
    expect(Array.from(smoothTensorBoard([3, 3, 3], 0.99))).toEqual([3, 3, 3]);
    expect(Array.from(smoothTensorBoard([1, 5, 2], 0))).toEqual([1, 5, 2]);
  });

  it('at w = 1 keeps the running sum undivided, as TensorBoard does', () => {
    expect(Array.from(smoothTensorBoard([1, 2], 1))).toEqual([0, 0]);
  });

  it('clamps weights like TensorBoard', () => {
    expect(clampSmoothingWeight(NaN)).toBe(0);
    expect(clampSmoothingWeight(-1)).toBe(0);
    expect(clampSmoothingWeight(2)).toBe(1);
  });
});
