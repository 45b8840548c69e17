// A shown run's steps of one histogram key, as the histogram card draws them.
import type { HistogramStep } from '@runlane/protocol';
import type { MediaRun } from './mediaTypes.js';

export interface HistogramRun extends MediaRun {
  /** In step order, sampled to at most a card's worth (histogramBands.sampleSteps). */
  steps: HistogramStep[];
}
