// Incremental per-key summaries (count, last, min, max) as docs/store-format.md "Run summaries" defines
// them. Fed with each file's new records as they are read, so a live run never needs a full re-read.
import { jsonNumber, type MetricSummary } from '@runlane/protocol';
import type { PointColumns } from './metricCodec.js';

export class MetricAccumulator {
  private count = 0;
  private min = NaN;
  private max = NaN;
  // The current "last" point, kept as fields rather than an object: this loop sees every point.
  private lastStep = -Infinity;
  private lastTime = -Infinity;
  private lastWriter = '';
  private lastIndex = -1;
  private lastValue = NaN;

  /** `firstIndex` is the record index of the first point within its writer's file. */
  add(writer: string, firstIndex: number, points: PointColumns): void {
    const { steps, times, values } = points;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value === value) {
        if (!(value >= this.min)) this.min = value;
        if (!(value <= this.max)) this.max = value;
      }
      const step = steps[i]!;
      const time = times[i]!;
      if (this.count === 0 || this.isLater(step, time, writer, firstIndex + i)) {
        this.lastStep = step;
        this.lastTime = time;
        this.lastWriter = writer;
        this.lastIndex = firstIndex + i;
        this.lastValue = value;
      }
      this.count++;
    }
  }

  private isLater(step: number, time: number, writer: string, index: number): boolean {
    if (step !== this.lastStep) return step > this.lastStep;
    if (time !== this.lastTime) return time > this.lastTime;
    if (writer !== this.lastWriter) return writer > this.lastWriter;
    return index > this.lastIndex;
  }

  summary(): MetricSummary | null {
    if (this.count === 0) return null;
    return {
      count: this.count,
      last: jsonNumber(this.lastValue),
      min: Number.isNaN(this.min) ? null : jsonNumber(this.min),
      max: Number.isNaN(this.max) ? null : jsonNumber(this.max),
    };
  }
}
