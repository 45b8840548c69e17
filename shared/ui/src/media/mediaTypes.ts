// What the media cards know of a shown run: where it is, how the legend names and colours it.
import type { RunRef } from '@runlane/protocol';

export interface MediaRun {
  /** runKey(ref): the run's key in the charts panel. */
  key: string;
  ref: RunRef;
  label: string;
  color: string;
}
