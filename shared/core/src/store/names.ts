// Validation of every name before it touches a path (docs/store-format.md "Names").
// Each check throws a StoreError('bad_name') whose message says what is wrong and what is allowed.

export type StoreErrorCode = 'bad_name' | 'bad_query' | 'conflict' | 'store_version' | 'not_found' | 'io' | 'not_a_store';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const STREAM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const METRIC_KEY_CHARS = /^[A-Za-z0-9_\-./ ]+$/;
// Control characters (C0, DEL, C1) and NUL are never allowed in names that are shown to people.
// eslint-disable-next-line no-control-regex -- matching control characters is the point here
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const MAX_KEY_FILE_BYTES = 255; // NAME_MAX on Linux, macOS and Windows filesystems

function show(name: string): string {
  const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
  return JSON.stringify(shown);
}

function bad(what: string, name: string, rule: string): never {
  throw new StoreError('bad_name', `Invalid ${what} ${show(name)}: ${rule}`);
}

export function validateRunId(id: string): string {
  if (!ID_PATTERN.test(id)) {
    bad('run id', id, 'use 1-100 letters, digits, "_" or "-", starting with a letter or digit.');
  }
  return id;
}

export function validateWriterId(id: string): string {
  if (!ID_PATTERN.test(id)) {
    bad('writer id', id, 'use 1-100 letters, digits, "_" or "-", starting with a letter or digit.');
  }
  return id;
}

// A job worker's writer id starts with `r<rank>-` (docs/store-format.md "Ranks"); a canonical
// decimal only, so that one rank has one spelling.
const RANKED_WRITER = /^r(0|[1-9][0-9]{0,8})-/;

/** The worker rank a writer id carries, or null for a writer without one (not a job worker). */
export function writerRank(writerId: string): number | null {
  const m = RANKED_WRITER.exec(writerId);
  return m ? Number(m[1]) : null;
}

/** Whether a writer's points belong to a run's primary series (rank 0, or no rank). */
export function isPrimaryWriter(writerId: string): boolean {
  const rank = writerRank(writerId);
  return rank === null || rank === 0;
}

export function validateStream(stream: string): string {
  if (!STREAM_PATTERN.test(stream)) {
    bad('log stream name', stream, 'use 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit.');
  }
  return stream;
}

export function validateMetricKey(key: string): string {
  if (key.length < 1 || key.length > 250) bad('metric key', key, 'a key has 1 to 250 characters.');
  if (!METRIC_KEY_CHARS.test(key)) {
    bad('metric key', key, 'use ASCII letters, digits, "_", "-", ".", "/" and spaces only.');
  }
  const segments = key.split('/');
  if (segments.some((s) => s === '')) {
    bad('metric key', key, '"/" separates non-empty parts: no leading, trailing or doubled "/".');
  }
  if (segments.some((s) => s === '.' || s === '..')) bad('metric key', key, 'no part may be "." or "..".');
  if (encodeKeyFile(key).length > MAX_KEY_FILE_BYTES) {
    bad('metric key', key, 'it is too long once encoded as a file name; use a shorter key.');
  }
  return key;
}

export function validateExperiment(name: string): string {
  if (name.length < 1 || name.length > 200) bad('experiment name', name, 'use 1 to 200 characters.');
  if (CONTROL_CHARS.test(name)) bad('experiment name', name, 'control characters and NUL are not allowed.');
  if (name.includes('/') || name.includes('\\')) bad('experiment name', name, '"/" and "\\" are not allowed.');
  if (name === '.' || name === '..') bad('experiment name', name, '"." and ".." are not allowed.');
  if (name.trim() !== name) bad('experiment name', name, 'no leading or trailing spaces.');
  return name;
}

export function validateRunName(name: string): string {
  if (name.length < 1 || name.length > 500) bad('run name', name, 'use 1 to 500 characters.');
  if (CONTROL_CHARS.test(name)) bad('run name', name, 'control characters, line breaks and NUL are not allowed.');
  return name;
}

/** A run's note: free text, lines and tabs allowed; other control characters and NUL are not. */
export const MAX_NOTE_LENGTH = 100_000;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOTE_CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function validateNote(note: string): string {
  if (note.length > MAX_NOTE_LENGTH) throw new StoreError('bad_name', `The note is ${note.length} characters long; keep it to ${MAX_NOTE_LENGTH} (put longer text in an artifact).`);
  if (NOTE_CONTROL_CHARS.test(note)) throw new StoreError('bad_name', 'The note holds a control character or NUL; only text, line breaks and tabs are allowed.');
  return note;
}

export function validateParamKey(key: string, what = 'param key'): string {
  if (key.length < 1 || key.length > 250) bad(what, key, 'use 1 to 250 characters.');
  if (CONTROL_CHARS.test(key)) bad(what, key, 'control characters and NUL are not allowed.');
  return key;
}

/**
 * An artifact path relative to a run's `artifacts/` folder: `/`-separated segments, none empty, `.`
 * or `..`, no backslash, control characters or NUL, at most 1,000 characters. Returns its segments.
 */
export function validateArtifactPath(relPath: string): string[] {
  if (relPath.length < 1 || relPath.length > 1000) bad('artifact path', relPath, 'use 1 to 1,000 characters.');
  if (CONTROL_CHARS.test(relPath) || relPath.includes('\\')) bad('artifact path', relPath, 'control characters, NUL and backslashes are not allowed.');
  const segments = relPath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    bad('artifact path', relPath, 'use a relative path with "/" between names; empty, "." and ".." segments are not allowed.');
  }
  return segments;
}

const KEEP_BYTE = /[A-Za-z0-9_.-]/;

/** `train/loss` -> `train%2Floss.rlm`: every UTF-8 byte outside [A-Za-z0-9_.-] as %XX. */
export function encodeKeyFile(key: string): string {
  let out = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && KEEP_BYTE.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${out}.rlm`;
}

/** The inverse of encodeKeyFile; null for names that are not metric files. */
export function decodeKeyFile(file: string): string | null {
  if (!file.endsWith('.rlm')) return null;
  try {
    return decodeURIComponent(file.slice(0, -'.rlm'.length));
  } catch {
    return null;
  }
}
