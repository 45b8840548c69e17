// In-band metrics: a worker without a shared filesystem sends what it logs with `runlane.log` as
// record lines on its own stdout, and every reader of that output (the daemon, the notebook, the
// CLI, the editors) takes them out before anything is shown. The stored log keeps them, as it keeps
// everything the worker printed.
//
// A record is a DCS escape string: ESC P "runlane/1 " JSON ESC \ and a newline. Terminals swallow
// DCS strings, so a record is invisible even where output is shown raw; user output never contains
// ESC P by accident; the version travels in every record. It may land in the middle of a line the
// program was still writing (a progress bar): the demux finds it anywhere and leaves the line whole.
// The Python helper has the twin of this file (runlane/inband.py).
import type { JsonNumber } from './runs.js';

export const INBAND_START = '\x1bPrunlane/1 ';
export const INBAND_END = '\x1b\\\n';
/** A "record" that has not ended after this many characters was output that only looked like one. */
const MAX_RECORD = 1 << 20;

/**
 * A worker's image, text or histogram (docs/store-format.md "Media"): `m` is the store's index record,
 * `b` the file's bytes as base64 (an image, a long text) with their `mime`. A record stays under
 * MAX_RECORD, so a worker sends images up to 700 KiB this way (runlane/inband.py MAX_MEDIA_BYTES).
 */
export interface InbandMediaRecord {
  m: Record<string, unknown>;
  b?: string;
  mime?: string;
}

/** The points of one metric key: [step, wall time, value], non-finite values as JsonNumber strings. */
export interface InbandRecord {
  k: string;
  p: [number, number, JsonNumber][];
}

export interface DemuxResult {
  /** The output with every record taken out. */
  text: string;
  records: InbandRecord[];
  /** Media records (images, texts, histograms), when the text held any. */
  media?: InbandMediaRecord[];
}

/** Splits one stream's text into output and records; holds back a record (or its start) cut by a chunk end. */
export class InbandDemux {
  private held = '';

  push(chunk: string): DemuxResult {
    let text = this.held + chunk;
    this.held = '';
    let shown = '';
    const records: InbandRecord[] = [];
    let media: InbandMediaRecord[] | undefined;
    for (;;) {
      const start = text.indexOf(INBAND_START);
      if (start < 0) {
        const keep = partialStart(text);
        shown += text.slice(0, text.length - keep);
        this.held = text.slice(text.length - keep);
        break;
      }
      shown += text.slice(0, start);
      const end = text.indexOf(INBAND_END, start + INBAND_START.length);
      if (end < 0) {
        if (text.length - start > MAX_RECORD) {
          shown += text.slice(start);
          break;
        }
        this.held = text.slice(start);
        break;
      }
      const record = parseRecord(text.slice(start + INBAND_START.length, end));
      if (record && 'm' in record) (media ??= []).push(record);
      else if (record) records.push(record);
      text = text.slice(end + INBAND_END.length);
    }
    return media ? { text: shown, records, media } : { text: shown, records };
  }

  /** The stream ended: whatever is held back was not a record after all. */
  end(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }
}

/** How many characters at the end of `text` could be the beginning of INBAND_START. */
function partialStart(text: string): number {
  for (let n = Math.min(INBAND_START.length - 1, text.length); n > 0; n--) {
    if (INBAND_START.startsWith(text.slice(text.length - n))) return n;
  }
  return 0;
}

function parseRecord(json: string): InbandRecord | InbandMediaRecord | null {
  try {
    const r = JSON.parse(json) as InbandRecord | InbandMediaRecord;
    if ('m' in r) return typeof r.m === 'object' && r.m !== null && !Array.isArray(r.m) ? r : null;
    if (typeof r.k !== 'string' || !Array.isArray(r.p)) return null;
    return r;
  } catch {
    return null; // a damaged record is dropped, never shown
  }
}
