// A run's error, short. A failed job's error is "Worker w0 exited with code 1. Its last lines:\n[stderr]
// ...traceback...": the sentence before "Its last lines:" says what happened, and the last line of the
// worker's stderr is the exception itself. A job cell has already shown the worker's output, and a
// tooltip has room for a few lines: neither repeats the tail.

const TAIL_MARK = ' Its last lines:';
const MAX = 200;

/** Cut at a word boundary with an ellipsis, never inside a word. */
export function cutText(text: string, max = MAX): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** What happened (the error's first sentence or line), without the worker's last lines. */
export function errorHead(error: string): string {
  const mark = error.indexOf(TAIL_MARK);
  const head = mark >= 0 ? error.slice(0, mark) : error.split('\n').find((l) => l.trim()) ?? '';
  return cutText(head.trim());
}

/** The exception line of a job's error tail (the last line of the worker's stderr), or null. */
export function errorException(error: string): string | null {
  const mark = error.indexOf(TAIL_MARK);
  if (mark < 0) return null;
  const tail = error.slice(mark + TAIL_MARK.length);
  const stderr = /\[stderr\]\n([\s\S]*?)(?:\n\[stdout\]\n|$)/.exec(tail)?.[1] ?? '';
  const last = stderr.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  return last ? cutText(last) : null;
}

/** The error for a tooltip: what happened, then the exception, each cut cleanly. */
export function errorSummary(error: string): string[] {
  const mark = error.indexOf(TAIL_MARK);
  if (mark < 0) return error.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim()).slice(0, 3).map((l) => cutText(l));
  const exception = errorException(error);
  return [errorHead(error), ...(exception ? [exception] : [])];
}
