// Filter expressions for the runs table (`val/loss < 0.2 and lr >= 1e-3`): a tokenizer and a
// recursive-descent parser compiled into a predicate. Hand-written because the grammar is tiny and
// the errors must name the position and the column the user meant; no eval, no RegExp built from input.

/** A cell's value: numbers and text; tags are a list; absent or null means "no value". */
export type CellValue = number | string | boolean | null | undefined | readonly string[];
/** One row of the table: column name (`lr`, `val/loss.min`, `status`, `tags`...) to its value. */
export type RowValues = Readonly<Record<string, CellValue>>;

export type CompiledFilter =
  | { ok: true; test(row: RowValues): boolean }
  /** `position` is the 0-based offset of the offending character in the text, for an underline. */
  | { ok: false; error: string; position: number };

type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=' | '~';
type Token =
  | { kind: 'num'; value: number; pos: number; text: string }
  | { kind: 'str'; value: string; pos: number; text: string }
  | { kind: 'col'; value: string; pos: number; text: string }
  | { kind: 'op'; value: CompareOp; pos: number; text: string }
  | { kind: 'and' | 'or' | 'not' | '(' | ')' | 'end'; pos: number; text: string };

type Operand = { kind: 'num'; value: number } | { kind: 'str'; value: string } | { kind: 'col'; name: string };
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node }
  | { kind: 'cmp'; op: CompareOp; left: Operand; right: Operand };

// Bounds that keep a pasted or hostile filter from freezing the table: the text and its nesting.
const MAX_LENGTH = 10_000;
const MAX_DEPTH = 64;

class FilterError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

// Sticky (`y`): each matches exactly at lastIndex, without copying the rest of the text.
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
// Bare column names: a letter or _ first, then letters, digits and / . - _ (`val/loss.min`, `system/gpu0-mem`).
const BARE = /[A-Za-z_][A-Za-z0-9_./-]*/y;

function matchAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}
const KEYWORDS: Record<string, 'and' | 'or' | 'not'> = { and: 'and', or: 'or', not: 'not' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '<=' || two === '>=' || two === '==' || two === '!=') {
      tokens.push({ kind: 'op', value: two, pos: i, text: two });
      i += 2;
    } else if (two === '&&' || two === '||') {
      tokens.push({ kind: two === '&&' ? 'and' : 'or', pos: i, text: two });
      i += 2;
    } else if (c === '<' || c === '>' || c === '~') {
      tokens.push({ kind: 'op', value: c, pos: i, text: c });
      i++;
    } else if (c === '=') {
      // SQL habit: a single = means equality.
      tokens.push({ kind: 'op', value: '==', pos: i, text: c });
      i++;
    } else if (c === '!') {
      tokens.push({ kind: 'not', pos: i, text: c });
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ kind: c, pos: i, text: c });
      i++;
    } else if (c === '"' || c === "'" || c === '`') {
      const { value, end } = readQuoted(text, i);
      // Backticks quote a column name with spaces or symbols (`my param`); quotes are text.
      tokens.push(c === '`' ? { kind: 'col', value, pos: i, text: text.slice(i, end) } : { kind: 'str', value, pos: i, text: text.slice(i, end) });
      i = end;
    } else if (/[0-9.]/.test(c) || ((c === '-' || c === '+') && matchAt(NUMBER, text, i + 1) !== undefined)) {
      const sign = c === '-' || c === '+' ? c : '';
      const digits = matchAt(NUMBER, text, i + sign.length);
      if (digits === undefined) throw new FilterError(`unexpected '${c}' at character ${i + 1}`, i);
      const raw = sign + digits;
      tokens.push({ kind: 'num', value: Number(raw), pos: i, text: raw });
      i += raw.length;
      if (i < text.length && /[A-Za-z_]/.test(text[i]!)) {
        throw new FilterError(`'${raw}${text[i]}' at character ${i - raw.length + 1} is neither a number nor a column name (a column name starts with a letter; quote others with backticks)`, i - raw.length);
      }
    } else {
      const word = matchAt(BARE, text, i);
      if (word === undefined) {
        throw new FilterError(`unexpected '${c}' at character ${i + 1} (put a column name with other characters in backticks: \`my param\`, and text in quotes)`, i);
      }
      const keyword = KEYWORDS[word.toLowerCase()];
      tokens.push(keyword ? { kind: keyword, pos: i, text: word } : { kind: 'col', value: word, pos: i, text: word });
      i += word.length;
    }
  }
  tokens.push({ kind: 'end', pos: text.length, text: '' });
  return tokens;
}

function readQuoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start]!;
  let value = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      value += text[++i];
    } else if (c === quote) {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  throw new FilterError(`the text starting at character ${start + 1} has no closing ${quote}`, start);
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly columns: ReadonlySet<string> | undefined,
  ) {}

  parse(): Node {
    const node = this.or(0);
    const t = this.peek();
    if (t.kind !== 'end') {
      throw new FilterError(t.kind === ')' ? `unmatched ')' at character ${t.pos + 1}` : `expected 'and', 'or' or the end at character ${t.pos + 1}, found '${t.text}'`, t.pos);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private next(): Token {
    return this.tokens[this.at++]!;
  }

  private or(depth: number): Node {
    let left = this.and(depth);
    while (this.peek().kind === 'or') {
      this.next();
      left = { kind: 'or', left, right: this.and(depth) };
    }
    return left;
  }

  private and(depth: number): Node {
    let left = this.unary(depth);
    while (this.peek().kind === 'and') {
      this.next();
      left = { kind: 'and', left, right: this.unary(depth) };
    }
    return left;
  }

  private unary(depth: number): Node {
    const t = this.peek();
    if (depth > MAX_DEPTH) throw new FilterError(`the filter nests deeper than ${MAX_DEPTH} levels at character ${t.pos + 1}; simplify it`, t.pos);
    if (t.kind === 'not') {
      this.next();
      return { kind: 'not', inner: this.unary(depth + 1) };
    }
    if (t.kind === '(') {
      this.next();
      const inner = this.or(depth + 1);
      const close = this.next();
      if (close.kind !== ')') throw new FilterError(`missing ')' for the '(' at character ${t.pos + 1}`, t.pos);
      return inner;
    }
    return this.comparison();
  }

  private comparison(): Node {
    const left = this.operand();
    const op = this.next();
    if (op.kind !== 'op') {
      const what = left.kind === 'col' ? `column ${left.name}` : `value ${this.tokens[this.at - 2]!.text}`;
      throw new FilterError(`expected a comparison (< <= > >= == != ~) after the ${what}, at character ${op.pos + 1}${op.kind === 'end' ? '' : `, found '${op.text}'`}`, op.pos);
    }
    const right = this.operand();
    return { kind: 'cmp', op: op.value, left, right };
  }

  private operand(): Operand {
    const t = this.next();
    if (t.kind === 'num') return { kind: 'num', value: t.value };
    if (t.kind === 'str') return { kind: 'str', value: t.value };
    if (t.kind === 'col') {
      if (this.columns && !this.columns.has(t.value)) throw new FilterError(unknownColumn(t.value, t.pos, this.columns), t.pos);
      return { kind: 'col', name: t.value };
    }
    const found = t.kind === 'end' ? 'the end of the filter' : `'${t.text}'`;
    throw new FilterError(`expected a column, a number or a quoted text at character ${t.pos + 1}, found ${found}`, t.pos);
  }
}

function unknownColumn(name: string, pos: number, columns: ReadonlySet<string>): string {
  const guess = closestColumn(name, columns);
  const hint = guess ? ` (did you mean ${guess}?)` : ' (to compare with text, put it in quotes: "..." )';
  return `unknown column '${name}' at character ${pos + 1}${hint}`;
}

function closestColumn(name: string, columns: ReadonlySet<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const c of columns) {
    if (c.toLowerCase() === lower) return c;
    if (Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = editDistance(lower, c.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `cap`) once every path exceeds it. */
function editDistance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = row;
  }
  return prev[b.length]!;
}

type Scalar = number | string | undefined;

function cell(row: RowValues, name: string): CellValue {
  // Own properties only: a column named `constructor` or `__proto__` must not reach Object's.
  return Object.prototype.hasOwnProperty.call(row, name) ? row[name] : undefined;
}

function scalars(row: RowValues, operand: Operand): Scalar[] {
  if (operand.kind !== 'col') return [operand.value];
  const v = cell(row, operand.name);
  if (v === null || v === undefined) return [undefined];
  if (Array.isArray(v)) return v.length ? (v as readonly string[]).map(String) : [undefined];
  if (typeof v === 'boolean') return [String(v)];
  return [v as number | string];
}

const NUMERIC_TEXT = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

function asNumber(v: number | string): number | undefined {
  if (typeof v === 'number') return v;
  return NUMERIC_TEXT.test(v) ? Number(v) : undefined;
}

/** One comparison of two present values; a missing value never matches (as NULL in SQL). */
function compare(op: CompareOp, a: Scalar, b: Scalar): boolean {
  if (a === undefined || b === undefined) return false;
  if (op === '~') return String(a).toLowerCase().includes(String(b).toLowerCase());
  // Numbers compare as numbers, also against numeric text (a param logged as "0.001").
  if (typeof a === 'number' || typeof b === 'number') {
    const x = asNumber(a);
    const y = asNumber(b);
    if (x !== undefined && y !== undefined) return order(op, x, y);
    if (op === '==' || op === '!=') return (op === '!=') !== (String(a) === String(b));
    return false;
  }
  return order(op, a, b);
}

function order<T extends number | string>(op: Exclude<CompareOp, '~'>, x: T, y: T): boolean {
  switch (op) {
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
    case '==': return x === y;
    case '!=': return x !== y;
  }
}

function evaluate(node: Node, row: RowValues): boolean {
  switch (node.kind) {
    case 'and': return evaluate(node.left, row) && evaluate(node.right, row);
    case 'or': return evaluate(node.left, row) || evaluate(node.right, row);
    case 'not': return !evaluate(node.inner, row);
    case 'cmp': {
      const left = scalars(row, node.left);
      const right = scalars(row, node.right);
      // A list (tags) matches when any member does; `!=` means no member equals.
      if (node.op === '!=') return left.every((a) => right.every((b) => a !== undefined && b !== undefined && compare('!=', a, b)));
      return left.some((a) => right.some((b) => compare(node.op, a, b)));
    }
  }
}

/**
 * Compiles a filter typed by the user. `columns`, when given, are the known column names: an unknown
 * one is an error that suggests the closest. An empty filter matches every row.
 */
export function compileFilter(text: string, columns?: Iterable<string>): CompiledFilter {
  if (text.trim() === '') return { ok: true, test: () => true };
  if (text.length > MAX_LENGTH) return { ok: false, error: `the filter is ${text.length} characters long; the limit is ${MAX_LENGTH}`, position: MAX_LENGTH };
  try {
    const known = columns ? new Set(columns) : undefined;
    const tree = new Parser(tokenize(text), known).parse();
    return { ok: true, test: (row) => evaluate(tree, row) };
  } catch (e) {
    if (e instanceof FilterError) return { ok: false, error: e.message, position: e.position };
    throw e;
  }
}
