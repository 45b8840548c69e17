// Where a Ray job's demuxed log goes in the run folder: each worker's lines into
// logs/w<rank>/{stdout,stderr}.log (so in-band metrics, the cell's stream and `runlane logs` work as
// on SSH), exit codes into job/w<rank>.exit, and the files a worker sent back (artifacts/, job/result.*,
// env.json, events/) into place, each written under a temporary name and renamed once whole.
//
// A restarted daemon reads the job's log from its start again (Ray's tail always starts there). The
// checkpoint job/ray-tail.json says how much of the log was written here and how big each log file
// was then; on resume, the lines before that offset are skipped, and a file that has grown past its
// checkpointed size (written after the checkpoint, before the daemon stopped) skips as many bytes of
// what comes again for it: every line lands exactly once. Ray's own lines (job/ray.log) follow the same
// rule under the name RAY_LOG (a daemon killed with kill -9 repeated those written since the last
// checkpoint).
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../store/atomicFile.js';
import type { InbandMetrics } from '../inbandMetrics.js';

export interface TailCheckpoint {
  offset: number;
  sizes: Record<string, number>;
}

/** job/ray.log's name in a checkpoint's sizes, beside the workers' `w0/stdout`. */
export const RAY_LOG = 'ray';

/** Whether a checkpoint was written after a worker had printed (it names a worker's file). */
export function workersSpoke(resume: TailCheckpoint | null): boolean {
  return Object.keys(resume?.sizes ?? {}).some((file) => file !== RAY_LOG);
}

/** The paths a worker may send back, relative to the run folder; anything else is dropped with a note. */
const RETURNABLE = /^(artifacts\/.+|job\/result\.(pkl|json)|env\.json|events\/[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.jsonl)$/;

export function returnablePath(rel: string): boolean {
  const parts = rel.split('/');
  // eslint-disable-next-line no-control-regex -- refusing control characters in a path is the point
  return RETURNABLE.test(rel) && !parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('.tmp-')) && !/[\u0000-\u001f\\]/.test(rel);
}

export class RayRunFiles {
  /** Bytes still to skip per log file (`w0/stdout`) on resume: written before the last daemon stopped. */
  private readonly skip = new Map<string, number>();
  private artifact: { rank: number; rel: string; fd: number; tmp: string } | null = null;
  private readonly dropped = new Set<string>();
  /** The log files written or found (`w0/stdout`), for the checkpoint. */
  private readonly files = new Set<string>();

  constructor(
    private readonly runDir: string,
    private readonly metrics: InbandMetrics,
    private readonly note: (message: string) => void,
    resume: TailCheckpoint | null,
  ) {
    // A worker's file that the checkpoint does not name (its first lines came after the last checkpoint,
    // or there was none yet) was written wholly after it: all of it comes again and is skipped.
    const sizes: Record<string, number> = { ...Object.fromEntries(this.onDisk().map((f) => [f, 0])), ...resume?.sizes };
    // Every checkpoint names job/ray.log (at 0 before its first line): one that does not was written
    // by a daemon before this rule, when its lines were not counted, and they are not skipped then.
    if (resume !== null && resume.sizes[RAY_LOG] === undefined) delete sizes[RAY_LOG];
    this.files.add(RAY_LOG);
    for (const [file, size] of Object.entries(sizes)) {
      this.files.add(file);
      const now = this.size(file);
      if (now > size) this.skip.set(file, now - size);
    }
  }

  /** The workers' log files already here (`w0/stdout`): only `lines` writes them. */
  private onDisk(): string[] {
    const logs = path.join(this.runDir, 'logs');
    if (!existsSync(logs)) return [];
    return readdirSync(logs)
      .filter((w) => /^w\d+$/.test(w))
      .flatMap((w) => ['stdout', 'stderr'].map((s) => `${w}/${s}`))
      .filter((f) => existsSync(path.join(logs, `${f}.log`)))
      .concat(existsSync(this.file(RAY_LOG)) ? [RAY_LOG] : []);
  }

  private file(name: string): string {
    return name === RAY_LOG ? path.join(this.runDir, 'job', 'ray.log') : path.join(this.runDir, 'logs', `${name}.log`);
  }

  static checkpointFile(runDir: string): string {
    return path.join(runDir, 'job', 'ray-tail.json');
  }

  static readCheckpoint(runDir: string): TailCheckpoint | null {
    try {
      const saved = JSON.parse(readFileSync(RayRunFiles.checkpointFile(runDir), 'utf8')) as TailCheckpoint;
      return typeof saved.offset === 'number' && typeof saved.sizes === 'object' ? saved : null;
    } catch {
      return null; // none yet: the whole log is new here
    }
  }

  private size(file: string): number {
    try {
      return statSync(this.file(file)).size;
    } catch {
      return 0;
    }
  }

  /** Appends each file's new bytes (one write per file per batch: a flood stays cheap). */
  lines(batch: Map<string, string>): void {
    for (const [file, text] of batch) {
      const bytes = this.append(file, text);
      if (bytes) this.metrics.take(`logs/${file}.log`, bytes);
    }
  }

  /** Lines of Ray's own, appended to job/ray.log. */
  rayLog(text: string): void {
    this.append(RAY_LOG, text);
  }

  /** Appends what of `text` is new to the file (see the top); the bytes written, if any. */
  private append(file: string, text: string): Buffer | null {
    this.files.add(file);
    let bytes = Buffer.from(text, 'utf8');
    const skip = this.skip.get(file) ?? 0;
    if (skip > 0) {
      const taken = Math.min(skip, bytes.length);
      this.skip.set(file, skip - taken);
      bytes = bytes.subarray(taken);
      if (bytes.length === 0) return null;
    }
    const full = this.file(file);
    mkdirSync(path.dirname(full), { recursive: true });
    appendFileSync(full, bytes);
    return bytes;
  }

  /** A worker's exit code, once (a resumed log brings it again). */
  async exit(rank: number, code: number): Promise<void> {
    this.closeArtifact();
    const file = path.join(this.runDir, 'job', `w${rank}.exit`);
    if (existsSync(file)) return;
    mkdirSync(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, String(code), 'ray');
  }

  /** A chunk of a file a worker sent back; the file appears (renamed into place) once its last chunk is in. */
  chunk(rank: number, rel: string, bytes: Buffer): void {
    if (!returnablePath(rel)) {
      if (!this.dropped.has(rel)) this.note(`Worker w${rank} sent back ${JSON.stringify(rel)}, which is not a file a job returns (artifacts/..., job/result.*, env.json, events/); it was left out.`);
      this.dropped.add(rel);
      return;
    }
    if (this.artifact && (this.artifact.rank !== rank || this.artifact.rel !== rel)) this.closeArtifact();
    if (!this.artifact) {
      const target = path.join(this.runDir, ...rel.split('/'));
      mkdirSync(path.dirname(target), { recursive: true });
      const tmp = `${target}.tmp-ray`;
      this.artifact = { rank, rel, fd: openSync(tmp, 'w', 0o644), tmp };
    }
    if (bytes.length) writeSync(this.artifact.fd, bytes);
  }

  /** Whether a file is half received (a checkpoint then would resume in its middle). */
  get receiving(): boolean {
    return this.artifact !== null;
  }

  closeArtifact(): void {
    const a = this.artifact;
    if (!a) return;
    this.artifact = null;
    closeSync(a.fd);
    renameSync(a.tmp, path.join(this.runDir, ...a.rel.split('/')));
  }

  /** What job/ray-tail.json records: `offset` characters of the log are written here, the files this big. */
  checkpoint(offset: number): Promise<void> {
    // Bytes still to be skipped are not yet accounted for by `offset`: they come again after it.
    const sizes: Record<string, number> = {};
    for (const file of this.files) sizes[file] = this.size(file) - (this.skip.get(file) ?? 0);
    mkdirSync(path.join(this.runDir, 'job'), { recursive: true });
    return writeFileAtomic(RayRunFiles.checkpointFile(this.runDir), JSON.stringify({ offset, sizes }), 'ray');
  }
}
