// The Ray job's log, split back into its workers' streams. The driver on the cluster
// (runlane/ray_driver.py) writes one framed line per worker line, exit code or artifact chunk
// (ray-contract R2); every other line of the job's log is Ray's own (runtime env set-up, a driver's
// traceback) and never reaches a worker's output. A frame is found anywhere in a line, so a prefix
// Ray may put before forwarded output, like `(Worker pid=12)`, is dropped with the rest of Ray's noise.
export const FRAME = '\x1eRL ';

export type Frame =
  /** Output text of a worker; `text` ends with "\n" for a line the worker ended (o/e), not for an open one (O/E). */
  | { kind: 'line'; rank: number; stream: 'stdout' | 'stderr'; text: string }
  | { kind: 'exit'; rank: number; code: number }
  /** A chunk of a file the worker sent back; `path` is relative to the run folder (artifacts/..., job/result.pkl). */
  | { kind: 'artifact'; rank: number; path: string; chunk: Buffer }
  | { kind: 'note'; text: string }
  /** The driver has placed every worker (the job runs, no longer waits for resources). */
  | { kind: 'placed'; note?: string }
  /** A line of Ray's own, or one that looked like a frame but was not. */
  | { kind: 'ray'; text: string };

const RANK = /^(0|[1-9][0-9]{0,5})$/;

/**
 * Ray serves the job's log in Python's text mode, which turns every \r into a line end: the driver
 * sends \r as DLE "r" and DLE itself as DLE DLE (ray-contract, change 2).
 */
export function unescape(text: string): string {
  // eslint-disable-next-line no-control-regex -- DLE is the escape character of the framing
  return text.includes('\x10') ? text.replace(/\x10([r\x10])/g, (_, c: string) => (c === 'r' ? '\r' : '\x10')) : text;
}

/** One line of the job's log (without its \n) as what it carries. */
export function parseFrame(line: string): Frame {
  const at = line.indexOf(FRAME);
  if (at < 0) return { kind: 'ray', text: line };
  const body = line.slice(at + FRAME.length);
  const sp1 = body.indexOf(' ');
  const who = sp1 < 0 ? body : body.slice(0, sp1);
  const rest = sp1 < 0 ? '' : body.slice(sp1 + 1);
  const type = rest.slice(0, 1);
  const arg = rest.slice(2);
  if (who === '-') {
    // The driver says `started: ...` once every worker is placed (`r` is the same, short).
    if (type === 'n') return /^started: /.test(arg) ? { kind: 'placed', note: arg } : { kind: 'note', text: arg };
    if (type === 'r') return { kind: 'placed' };
    return { kind: 'ray', text: line };
  }
  if (!RANK.test(who) || (rest.length > 1 && rest[1] !== ' ')) return { kind: 'ray', text: line };
  const rank = Number(who);
  if (type === 'o' || type === 'e') return { kind: 'line', rank, stream: type === 'o' ? 'stdout' : 'stderr', text: `${unescape(arg)}\n` };
  if (type === 'O' || type === 'E') return { kind: 'line', rank, stream: type === 'O' ? 'stdout' : 'stderr', text: unescape(arg) };
  if (type === 'x' && /^-?[0-9]{1,4}$/.test(arg.trim())) return { kind: 'exit', rank, code: Number(arg.trim()) };
  if (type === 'a' || type === 'f') {
    // `a`: under the worker's artifacts folder; `f`: a file of its run folder (job/result.pkl, env.json, events/).
    const sp = arg.indexOf(' ');
    const rel = sp < 0 ? arg : arg.slice(0, sp);
    try {
      return { kind: 'artifact', rank, path: `${type === 'a' ? 'artifacts/' : ''}${decodeURIComponent(rel)}`, chunk: Buffer.from(sp < 0 ? '' : arg.slice(sp + 1), 'base64') };
    } catch {
      return { kind: 'ray', text: line }; // a malformed escape: not a frame the driver wrote
    }
  }
  return { kind: 'ray', text: line };
}

/** Splits text that arrives in pieces into whole lines; counts what it has taken whole (the resume offset). */
export class LineSplitter {
  private held = '';
  /** Characters of the log taken as whole lines so far (a partial last line is not counted yet). */
  consumed = 0;

  push(text: string): string[] {
    const all = this.held + text;
    const cut = all.lastIndexOf('\n');
    if (cut < 0) {
      this.held = all;
      return [];
    }
    this.held = all.slice(cut + 1);
    this.consumed += cut + 1;
    return all.slice(0, cut).split('\n');
  }

  /** The last line, unended, once the log is complete. */
  end(): string[] {
    const rest = this.held;
    this.held = '';
    this.consumed += rest.length;
    return rest ? [rest] : [];
  }
}
