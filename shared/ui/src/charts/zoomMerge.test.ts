import { describe, expect, it } from 'vitest';
import { withOverview, type LinePoints } from './zoomMerge.js';

const line = (steps: number[]): LinePoints => ({ steps, times: steps.map((s) => s / 10), values: steps.map((s) => s * 2) });

describe('withOverview', () => {
  it('replaces the zoomed range with its full-resolution points and keeps the rest', () => {
    const merged = withOverview(line([0, 100, 200, 300, 400]), line([150, 160, 170, 200, 250]), { from: 150, to: 250 });
    expect(merged).toEqual(line([0, 100, 150, 160, 170, 200, 250, 300, 400]));
  });

  it('keeps the line across a window that holds no point (a sparse series zoomed into a gap)', () => {
    const merged = withOverview(line([0, 100_000, 200_000]), line([]), { from: 120_000, to: 170_000 });
    expect(merged.steps).toEqual([0, 100_000, 200_000]);
  });

  it('takes the answer as it is when nothing was drawn before', () => {
    expect(withOverview(undefined, line([5, 6]), { from: 0, to: 10 })).toEqual(line([5, 6]));
  });
});
