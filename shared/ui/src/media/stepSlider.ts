// The step a media card shows (TensorBoard's step slider): the steps any shown run logged under the
// key, the one chosen, and per run the item logged at that step or, where the run skipped it, the
// closest earlier one. A card that follows the newest step keeps following it as items arrive.
import type { MediaItem } from '@runlane/protocol';

export class StepSlider {
  /** Every step, ascending, without repeats. */
  private steps: number[] = [];
  private index = -1;
  /** Whether the slider sits on the newest step (and so moves on with new ones). */
  private atEnd = true;

  get values(): readonly number[] {
    return this.steps;
  }

  /** The chosen step, null while there is none. */
  get step(): number | null {
    return this.index < 0 ? null : this.steps[this.index]!;
  }

  get position(): number {
    return this.index;
  }

  /** Adds steps (live items): the choice stays on its step, or on the newest when it was there. */
  addSteps(steps: Iterable<number>): void {
    const chosen = this.step;
    const set = new Set(this.steps);
    let changed = false;
    for (const s of steps) {
      if (set.has(s)) continue;
      set.add(s);
      changed = true;
    }
    if (!changed) return;
    this.steps = [...set].sort((a, b) => a - b);
    this.index = this.atEnd || chosen === null ? this.steps.length - 1 : this.steps.indexOf(chosen);
  }

  /** Moves to a position (the range input's value), clamped. */
  moveTo(position: number): void {
    if (!this.steps.length) return;
    this.index = Math.max(0, Math.min(this.steps.length - 1, Math.round(position)));
    this.atEnd = this.index === this.steps.length - 1;
  }

  /** One step back or on (the arrow keys). */
  stepBy(delta: number): void {
    this.moveTo(this.index + delta);
  }
}

/**
 * A run's item to show at `step`: the last logged at that step (several at one step: the last wins,
 * as a re-logged image replaces the earlier one), else the closest earlier step's; null when the run
 * logged nothing up to it. `items` is in step order (as listMedia answers).
 */
export function itemAtStep(items: readonly MediaItem[], step: number | null): MediaItem | null {
  if (step === null || !items.length) return null;
  let lo = 0;
  let hi = items.length; // first index with items[i].step > step
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid]!.step <= step) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : items[lo - 1]!;
}

/** Inserts live items into a step-ordered list (they normally come last: a cheap append). */
export function insertByStep(items: MediaItem[], added: readonly MediaItem[]): void {
  for (const item of added) {
    if (!items.length || items[items.length - 1]!.step <= item.step) items.push(item);
    else {
      const at = items.findIndex((i) => i.step > item.step);
      items.splice(at, 0, item);
    }
  }
}
