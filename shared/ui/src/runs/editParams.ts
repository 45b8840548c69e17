// "Re-run with edited params": the params a person may edit (a job's own bookkeeping is not one),
// read from a JSON text, and for a notebook cell, written back into the cell's top-level literal
// assignments (`lr = 0.1` becomes `lr = 0.05`), which is where the helper captured them from.

/** Params the launcher records about the job itself, not the user's. */
export const JOB_FACTS: ReadonlySet<string> = new Set(['target', 'workers', 'gpus_per_worker', 'command', 'slurm_job']);

export function editableParams(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !JOB_FACTS.has(k)));
}

/** Parses the edited params; throws a sentence that says what is wrong. */
export function parseEditedParams(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`The params are not valid JSON (${(err as Error).message}); write them like {"lr": 0.05, "epochs": 10}.`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('Write the params as one JSON object, like {"lr": 0.05}.');
  return value as Record<string, unknown>;
}

/** A JSON value as Python source (True/False/None; NaN and infinities from their {"$float"} form). */
export function pythonLiteral(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : Number.isNaN(value) ? "float('nan')" : value > 0 ? "float('inf')" : "-float('inf')";
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  const obj = value as Record<string, unknown>;
  if (Object.keys(obj).length === 1 && typeof obj.$float === 'string') return pythonLiteral(Number(obj.$float === 'Infinity' ? Infinity : obj.$float === '-Infinity' ? -Infinity : NaN));
  return `{${Object.entries(obj).map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
}

/**
 * The cell source with each top-level `name = ...` assignment (one line, not indented) of an edited
 * param set to its new value. Returns the new source and the params no assignment took.
 */
export function applyParamsToSource(source: string, params: Record<string, unknown>): { source: string; unused: string[] } {
  const unused = new Set(Object.keys(params));
  const lines = source.split('\n').map((line) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(\s*(?::[^=]+)?=\s*)(?!=)(.*)$/.exec(line);
    if (!m || !(m[1]! in params)) return line;
    unused.delete(m[1]!);
    const comment = /\s+#.*$/.exec(m[3]!)?.[0] ?? '';
    const old = m[3]!.slice(0, m[3]!.length - comment.length).trim();
    return `${m[1]}${m[2]}${keepFloat(pythonLiteral(params[m[1]!]), old)}${comment}`;
  });
  return { source: lines.join('\n'), unused: [...unused] };
}

/**
 * JSON has one number type, so `1.0` typed in the dialog arrives as 1: where the cell's literal was a
 * float (`lr = 0.3`), a whole number is written back as a float (`lr = 1.0`), so the cell runs with
 * the type it had (code may check it, and `1 / 2` differs from `1.0 / 2` in older code).
 */
function keepFloat(literal: string, oldLiteral: string): string {
  const wasFloat = /^[-+]?(\d+\.\d*|\.\d+|\d+(\.\d*)?[eE][-+]?\d+)$/.test(oldLiteral);
  return wasFloat && /^-?\d+$/.test(literal) ? `${literal}.0` : literal;
}
