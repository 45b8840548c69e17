// Points of one tag kept as growing typed columns: 24 bytes a point, appended without reallocating
// per point, viewed as the store's PointColumns without copying.
import type { PointColumns } from '../../store/metricCodec.js';

export class ColumnBuffer {
  length = 0;
  private steps = new Float64Array(64);
  private times = new Float64Array(64);
  private values = new Float64Array(64);

  push(step: number, time: number, value: number): void {
    if (this.length === this.steps.length) this.grow();
    this.steps[this.length] = step;
    this.times[this.length] = time;
    this.values[this.length] = value;
    this.length++;
  }

  /** Appends whole columns (a worker's read): taken as they are when this buffer is empty, else copied. */
  append(steps: Float64Array<ArrayBuffer>, times: Float64Array<ArrayBuffer>, values: Float64Array<ArrayBuffer>): void {
    const n = values.length;
    if (n === 0) return;
    if (this.length === 0) {
      this.steps = steps;
      this.times = times;
      this.values = values;
      this.length = n;
      return;
    }
    while (this.length + n > this.steps.length) this.grow();
    this.steps.set(steps, this.length);
    this.times.set(times, this.length);
    this.values.set(values, this.length);
    this.length += n;
  }

  /** Makes room for `total` points (a reader's estimate of what a big file holds), so that appending them copies nothing. */
  reserve(total: number): void {
    if (total > this.steps.length) this.resize(total);
  }

  /** Points [from, length) so far, as views (no copy). */
  view(from = 0): PointColumns {
    return {
      steps: this.steps.subarray(from, this.length),
      times: this.times.subarray(from, this.length),
      values: this.values.subarray(from, this.length),
    };
  }

  private grow(): void {
    this.resize(Math.max(64, this.steps.length * 2));
  }

  private resize(capacity: number): void {
    const resized = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.steps = resized(this.steps);
    this.times = resized(this.times);
    this.values = resized(this.values);
  }
}
