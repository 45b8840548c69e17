import type { MediaItem } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { insertByStep, itemAtStep, StepSlider } from './stepSlider.js';

const item = (step: number, ref = `r${step}`): MediaItem => ({ key: 'k', step, wall_time: 0, kind: 'image', caption: null, mime: 'image/png', width: 1, height: 1, size: 1, ref });

describe('the media cards’ step slider', () => {
  it('starts on the newest step and follows new steps while it is there', () => {
    const s = new StepSlider();
    expect(s.step).toBeNull();
    s.addSteps([0, 10, 5, 10]);
    expect(s.values).toEqual([0, 5, 10]);
    expect(s.step).toBe(10);
    s.addSteps([20]);
    expect(s.step).toBe(20);
  });

  it('stays on a step the user chose when new steps arrive, before or after it', () => {
    const s = new StepSlider();
    s.addSteps([0, 10, 20]);
    s.moveTo(1);
    expect(s.step).toBe(10);
    s.addSteps([30, 5]);
    expect(s.step).toBe(10);
    expect(s.position).toBe(2);
    s.stepBy(-5);
    expect(s.step).toBe(0); // clamped
    s.moveTo(99);
    expect(s.step).toBe(30);
    s.addSteps([40]);
    expect(s.step).toBe(40); // back at the end: follows again
  });

  it("shows a run's item at the step, else its closest earlier one, else nothing", () => {
    const items = [item(0), item(10), item(10, 'again'), item(20)];
    expect(itemAtStep(items, 10)!.ref).toBe('again'); // the last logged at a step wins
    expect(itemAtStep(items, 15)!.ref).toBe('again');
    expect(itemAtStep(items, 25)!.ref).toBe('r20');
    expect(itemAtStep(items, -1)).toBeNull();
    expect(itemAtStep([], 3)).toBeNull();
    expect(itemAtStep(items, null)).toBeNull();
  });

  it('keeps live items in step order', () => {
    const items = [item(0), item(20)];
    insertByStep(items, [item(30), item(10)]);
    expect(items.map((i) => i.step)).toEqual([0, 10, 20, 30]);
  });
});
