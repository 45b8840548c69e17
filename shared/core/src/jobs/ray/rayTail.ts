// Follows a Ray job's log live and demuxes it into the run folder (rayFrames.ts, rayRunFiles.ts): as
// bytes from the dashboard's log stream, 50 ms behind the file (rayLogStream.ts; read to its end once
// the job has ended), or, where a Ray answers that API with an error, over the Jobs API's WebSocket
// tail (GET /api/jobs/<id>/logs/tail), which sends the log from its start about once a second and
// closes (1000) once the job has ended and the whole log is sent. A dropped connection is opened again
// and skips what was already taken; a restarted daemon resumes from the checkpoint. permessage-deflate
// is off: with it, Ray's tail closes without sending anything (ANCHORS "Ray").
import WebSocket from 'ws';
import { InbandMetrics } from '../inbandMetrics.js';
import { LineSplitter, parseFrame } from './rayFrames.js';
import { RayLogStream } from './rayLogStream.js';
import { RayRunFiles, workersSpoke } from './rayRunFiles.js';
import { authProblem, rayHeaders } from './rayApi.js';
import type { RayTarget } from './rayTarget.js';

const RECONNECT_MS = 1000;
const CHECKPOINT_MS = 500;

export interface TailEvents {
  /** A line of Runlane's own for the run (a driver's note, a line of Ray's own). */
  note(message: string): void;
  /** A worker's exit code arrived (the manager looks at the job now). */
  exited(): void;
  /** Every worker is placed: the job runs now (not at the next poll). */
  placed(): void;
}

export class RayTail {
  /** The whole log has been taken (Ray closed the tail normally after the job ended). */
  complete = false;
  /** Any worker frame seen, or the driver said every worker is placed. */
  placed = false;
  /** The driver's last note before its workers were placed (why the job waits). */
  waiting: string | null = null;
  /** Ray's own lines, the last few: a failed job's error quotes them. */
  readonly rayLines: string[] = [];
  private readonly split = new LineSplitter();
  private readonly files: RayRunFiles;
  /** Log characters received on the current connection (each connection starts at the top). */
  private received = 0;
  /** Characters to pass over at the top of each connection: what earlier connections (or daemons) took. */
  private skipTo: number;
  private socket: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null; // the next connection
  private saveTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private saving: Promise<void> | null = null;
  private dirty = false;
  private lastSave = 0;
  private exits: Promise<void> = Promise.resolve();
  /** The log stream (bytes) is used; false once this Ray answered it with an error: the WebSocket then. */
  private streamMode = true;
  private stream: RayLogStream | null = null;
  private draining = false;
  /** Bytes of the log handed over by the stream, and of them those of whole lines (the checkpoint). */
  private receivedBytes: number;
  private consumedBytes: number;
  private authNoted = false;

  constructor(
    private readonly target: RayTarget,
    private readonly submissionId: string,
    private readonly runDir: string,
    store: string,
    runId: string,
    private readonly events: TailEvents,
  ) {
    const resume = RayRunFiles.readCheckpoint(runDir);
    this.skipTo = resume?.offset ?? 0;
    this.split.consumed = this.skipTo;
    this.receivedBytes = this.consumedBytes = this.skipTo;
    this.files = new RayRunFiles(runDir, new InbandMetrics(store, runId, (m) => events.note(m)), (m) => events.note(m), resume);
    // Resumed after workers had spoken: they were placed (the driver's note about it is behind the offset).
    this.placed = workersSpoke(resume);
  }

  private markPlaced(): void {
    this.waiting = null;
    if (this.placed) return;
    this.placed = true;
    this.events.placed();
  }

  /**
   * Follows the log as bytes from the dashboard's log stream, 50 ms behind the file (rayLogStream.ts;
   * the WebSocket below re-reads the log once a second), from the bytes already taken. A Ray whose
   * log API answers otherwise (an HTTP error other than a refused token) is followed over the WebSocket.
   */
  start(): void {
    if (this.stopped || this.complete || this.stream || this.draining) return;
    if (!this.streamMode) return this.startWebSocket();
    const stream = new RayLogStream(this.target, this.submissionId, (text) => this.takeBytes(text, stream), this.receivedBytes);
    this.stream = stream;
    const again = (ms: number) => {
      if (this.stream === stream) this.stream = null;
      if (this.stopped || this.complete || this.draining || this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.start();
      }, ms);
    };
    stream.open((problem) => {
      if (problem && /^the log stream answered HTTP (404|405|500)/.test(problem) && this.receivedBytes === 0) this.streamMode = false;
      else if (problem && !/^the log stream/.test(problem) && /HTTP 40[13]/.test(problem) && !this.authNoted) {
        this.authNoted = true;
        this.events.note(problem);
      }
      again(RECONNECT_MS);
    }).then(
      (open) => open || again(200), // the job has no driver yet (pending)
      () => again(RECONNECT_MS), // the head did not answer: asked again
    );
  }

  private takeBytes(text: string, stream: RayLogStream): void {
    this.receivedBytes = stream.taken;
    const lines = this.split.push(text);
    for (const line of lines) this.consumedBytes += Buffer.byteLength(line) + 1;
    this.lines(lines);
  }

  private startWebSocket(): void {
    const url = `${this.target.address.replace(/^http/, 'ws')}/api/jobs/${encodeURIComponent(this.submissionId)}/logs/tail`;
    const socket = new WebSocket(url, { perMessageDeflate: false, headers: rayHeaders(this.target), handshakeTimeout: 10_000 });
    this.socket = socket;
    this.received = 0;
    socket.on('message', (data: Buffer) => this.take(data.toString('utf8')));
    socket.on('unexpected-response', (_req, res) => {
      // Said once: the tail asks again every second while the job runs.
      if ((res.statusCode === 401 || res.statusCode === 403) && !this.authNoted) this.events.note(authProblem(this.target, res.statusCode));
      this.authNoted ||= res.statusCode === 401 || res.statusCode === 403;
      socket.terminate(); // else the socket waits for nothing
    });
    socket.on('error', () => {}); // 'close' follows: the tail opens again while the job runs
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (code === 1000) return void this.finish();
      if (!this.stopped) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.start();
        }, RECONNECT_MS);
      }
    });
  }

  /** Once the job has ended on Ray: the tail is opened again if it dropped, so the last lines come. */
  retry(): void {
    if (this.complete || this.stopped) return;
    if (this.streamMode) {
      // The stream follows forever: the rest of the log is read once, to its end, and that is all.
      if (this.draining) return;
      this.draining = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      const stream = this.stream ?? new RayLogStream(this.target, this.submissionId, (text) => this.takeBytes(text, stream), this.receivedBytes);
      this.stream = stream;
      stream.drain().then(
        () => {
          this.stream = null;
          this.finish();
        },
        () => {
          this.stream = null;
          this.draining = false; // asked again at the next poll
        },
      );
      return;
    }
    if (!this.socket && !this.timer) this.start();
  }

  private take(text: string): void {
    let fresh = text;
    if (this.received < this.skipTo) fresh = text.slice(Math.min(text.length, this.skipTo - this.received));
    this.received += text.length;
    if (fresh) this.lines(this.split.push(fresh));
    if (this.received > this.skipTo) this.skipTo = this.received;
  }

  private lines(lines: string[]): void {
    const batch = new Map<string, string>();
    let rayLog = '';
    for (const line of lines) {
      const frame = parseFrame(line);
      switch (frame.kind) {
        case 'line': {
          this.markPlaced();
          const file = `w${frame.rank}/${frame.stream}`;
          batch.set(file, `${batch.get(file) ?? ''}${frame.text}`);
          break;
        }
        case 'exit':
          this.markPlaced();
          this.files.lines(batch); // its output before its exit code
          batch.clear();
          {
            // One after another, in the log's order: the first failure's file is the oldest (workerExits.ts).
            const { rank, code } = frame;
            this.exits = this.exits
              .then(() => this.files.exit(rank, code))
              .then(() => this.events.exited())
              .catch((err: Error) => this.events.note(`The exit code of w${rank} could not be written: ${err.message}`));
          }
          break;
        case 'artifact':
          this.files.lines(batch);
          batch.clear();
          this.files.chunk(frame.rank, frame.path, frame.chunk);
          break;
        case 'note':
          if (!this.placed) this.waiting = frame.text;
          this.events.note(frame.text);
          break;
        case 'placed':
          this.markPlaced();
          if (frame.note) this.events.note(frame.note);
          break;
        case 'ray':
          if (frame.text.trim() === '') break;
          // Ray's own lines (runtime env set-up, a driver's traceback) are kept beside the job, out of
          // every stream `runlane logs` and the cell show; a failed job's error quotes the last ones.
          this.rayLines.push(frame.text);
          if (this.rayLines.length > 20) this.rayLines.shift();
          rayLog += `${frame.text}\n`;
          break;
      }
    }
    this.files.lines(batch);
    if (rayLog) this.files.rayLog(rayLog);
    this.save(false);
  }

  /** Writes the checkpoint at most every CHECKPOINT_MS (and at the end), one write at a time. */
  private save(force: boolean): void {
    if (this.files.receiving) return; // in the middle of a file: resuming there would cut it
    if (this.saving || (!force && Date.now() - this.lastSave < CHECKPOINT_MS)) {
      this.dirty = true;
      if (!this.saving && !this.saveTimer) {
        this.saveTimer = setTimeout(() => {
          this.saveTimer = null;
          this.save(true);
        }, CHECKPOINT_MS);
      }
      return;
    }
    this.dirty = false;
    this.lastSave = Date.now();
    this.saving = this.files
      .checkpoint(this.streamMode ? this.consumedBytes : this.split.consumed)
      .catch((err: Error) => this.events.note(`The Ray log checkpoint could not be written (${err.message}); a restarted daemon may show some lines twice.`))
      .finally(() => {
        this.saving = null;
        if (this.dirty) this.save(true);
      });
  }

  private finish(): void {
    const rest = this.split.end();
    for (const line of rest) this.consumedBytes += Buffer.byteLength(line);
    this.lines(rest);
    this.files.closeArtifact();
    this.complete = true;
    this.save(true);
  }

  /** Waits for what is being written (exit files, the checkpoint) to be on disk. */
  async settle(): Promise<void> {
    await this.exits;
    await this.saving;
  }

  /** Lets go of the connection (the daemon closes, or the job has ended); the checkpoint stays. */
  close(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.timer = null;
    this.saveTimer = null;
    const socket = this.socket;
    this.socket = null;
    socket?.terminate();
    this.stream?.close();
    this.stream = null;
  }
}
