// The daemon's side of in-band metrics: reads each worker's stdout as it arrives, takes the record
// lines out (shared/protocol/src/inband.ts) and appends their points to the run, one writer per worker
// (its id `r<rank>-...`) so that ranks stay apart as they do when workers write the store themselves.
import { StringDecoder } from 'node:string_decoder';
import { fromJsonNumber, InbandDemux } from '@runlane/protocol';
import { StoreWriter } from '../store/index.js';
import { appendMediaRecord } from '../store/mediaWriter.js';

const STDOUT = /^logs\/(w\d+)\/stdout\.log$/;

export class InbandMetrics {
  private readonly workers = new Map<string, { decoder: StringDecoder; demux: InbandDemux; writer: Promise<StoreWriter> }>();

  constructor(
    private readonly store: string,
    private readonly runId: string,
    private readonly onError: (message: string) => void,
  ) {}

  /** New bytes of a run file (`logs/w0/stdout.log`, ...), in order; other files are ignored. */
  take(rel: string, bytes: Buffer): void {
    const worker = STDOUT.exec(rel.split('\\').join('/'))?.[1];
    if (!worker) return;
    let w = this.workers.get(worker);
    if (!w) {
      // latin1 maps bytes one to one; records are ASCII (metric keys are), so none is cut or altered.
      // The writer carries the worker's rank (`r<rank>-` id): its points are that rank's series.
      const rank = Number(worker.slice(1));
      const writer = StoreWriter.open(this.store, { rank });
      // Reported once, here, even when no record ever arrives (an unhandled rejection would end the
      // daemon); the appends below then skip quietly.
      writer.catch((err: Error) => this.onError(`In-band metrics of ${worker} cannot be stored: ${err.message}`));
      w = { decoder: new StringDecoder('latin1'), demux: new InbandDemux(), writer };
      this.workers.set(worker, w);
    }
    const { records, media = [] } = w.demux.push(w.decoder.write(bytes));
    if (records.length === 0 && media.length === 0) return;
    void w.writer.then(
      (writer) => {
        try {
          for (const r of records) {
            writer.logMetrics(this.runId, r.k, r.p.map(([step, time, value]) => ({ step, time, value: fromJsonNumber(value) })));
          }
          // Images, texts and histograms: written as the worker's own writer would (file, then line).
          for (const r of media) {
            const payload = r.b === undefined ? undefined : { bytes: Buffer.from(r.b, 'base64'), mime: String(r.mime) };
            try {
              appendMediaRecord(this.store, this.runId, writer.writerId, r.m, payload);
            } catch (err) {
              this.onError(`An image, text or histogram of ${worker} could not be stored: ${(err as Error).message}`);
            }
          }
        } catch (err) {
          this.onError(`In-band metrics of ${worker} could not be stored: ${(err as Error).message}`);
        }
      },
      () => undefined, // the failed open was reported when it happened
    );
  }

  /** Resolves once every worker's writer has opened or failed: nothing of this object is pending after. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.workers.values()].map((w) => w.writer));
  }
}
