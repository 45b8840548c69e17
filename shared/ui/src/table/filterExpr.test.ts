import { describe, expect, it } from 'vitest';
import { compileFilter, type RowValues } from './filterExpr.js';

const COLUMNS = ['lr', 'val/loss', 'val/loss.min', 'status', 'name', 'tags', 'duration', 'batch_size', 'system/gpu0-mem'];
const rows: Record<string, RowValues> = {
  a: { lr: 1e-3, 'val/loss': 0.15, 'val/loss.min': 0.1, status: 'finished', name: 'mlp small', tags: ['baseline', 'seed-1'], duration: 42, batch_size: '64' },
  b: { lr: 0.1, 'val/loss': 0.5, 'val/loss.min': 0.3, status: 'failed', name: 'MLP big', tags: [], duration: 7 },
  c: { lr: 1e-4, 'val/loss': null, status: 'running', name: 'cnn', tags: ['baseline'] },
};

function matching(text: string, columns: string[] | null = COLUMNS): string[] {
  const f = compileFilter(text, columns ?? undefined);
  if (!f.ok) throw new Error(f.error);
  return Object.keys(rows).filter((k) => f.test(rows[k]!));
}

function errorOf(text: string, columns: string[] | undefined = COLUMNS): { error: string; position: number } {
  const f = compileFilter(text, columns);
  if (f.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return { error: f.error, position: f.position };
}

describe('compileFilter', () => {
  it('matches every row when empty or blank', () => {
    expect(matching('')).toEqual(['a', 'b', 'c']);
    expect(matching('   \n\t')).toEqual(['a', 'b', 'c']);
  });

  it('compares numbers, including exponents and negative numbers', () => {
    expect(matching('val/loss < 0.2 and lr >= 1e-3')).toEqual(['a']);
    expect(matching('lr < 1E-3')).toEqual(['c']);
    expect(matching('lr > -1 and duration <= 7')).toEqual(['b']);
    expect(matching('lr == .1')).toEqual(['b']);
    expect(matching('1e-3 <= lr')).toEqual(['a', 'b']);
    expect(matching('lr != 0.1')).toEqual(['a', 'c']);
  });

  it('treats a missing value as matching no comparison, and not() as its complement', () => {
    expect(matching('val/loss > 0')).toEqual(['a', 'b']);
    expect(matching('duration > 0')).toEqual(['a', 'b']);
    expect(matching('not duration > 0')).toEqual(['c']);
    expect(matching('val/loss != 0.15')).toEqual(['b']);
  });

  it('compares numeric text as a number and other text as text', () => {
    expect(matching('batch_size >= 32')).toEqual(['a']);
    expect(matching('status == "failed"')).toEqual(['b']);
    expect(matching("status = 'finished'")).toEqual(['a']);
    expect(matching('name > "b"')).toEqual(['a', 'c']);
  });

  it('uses ~ as a case-insensitive contains, with regex characters taken literally', () => {
    expect(matching('name ~ "mlp"')).toEqual(['a', 'b']);
    expect(matching('name ~ ".*"')).toEqual([]);
    expect(matching('name ~ "(a+)+$"')).toEqual([]);
  });

  it('matches a list (tags) when any member does; != means no member equals', () => {
    expect(matching('tags == "baseline"')).toEqual(['a', 'c']);
    expect(matching('tags ~ "seed"')).toEqual(['a']);
    expect(matching('tags != "seed-1"')).toEqual(['c']);
  });

  it('honours precedence (not > and > or), parentheses and keyword spellings', () => {
    expect(matching('status == "failed" or status == "running" and lr > 0.01')).toEqual(['b']);
    expect(matching('(status == "failed" or status == "running") and lr < 0.01')).toEqual(['c']);
    expect(matching('NOT (lr < 0.01) AND duration > 1')).toEqual(['b']);
    expect(matching('!(lr < 0.01) && duration > 1 || name == "cnn"')).toEqual(['b', 'c']);
    expect(matching('not not lr == 0.1')).toEqual(['b']);
  });

  it('reads names with / . - _ and backtick-quoted names', () => {
    expect(matching('val/loss.min<0.2')).toEqual(['a']);
    expect(matching('`my param` == 3', null)).toEqual([]);
    const f = compileFilter('`my param` == 3 and system/gpu0-mem > 1', undefined);
    expect(f.ok && f.test({ 'my param': 3, 'system/gpu0-mem': 2 })).toBe(true);
  });

  it('reads escapes in quoted text', () => {
    const f = compileFilter(String.raw`name == "say \"hi\"" or name == 'it\'s'`);
    expect(f.ok && f.test({ name: 'say "hi"' })).toBe(true);
    expect(f.ok && f.test({ name: "it's" })).toBe(true);
  });

  it('names an unknown column with its position and the closest known one', () => {
    expect(errorOf('lrr > 1')).toEqual({ error: "unknown column 'lrr' at character 1 (did you mean lr?)", position: 0 });
    expect(errorOf('lr > 1 and val/los < 2').error).toBe("unknown column 'val/los' at character 12 (did you mean val/loss?)");
    expect(errorOf('STATUS == "x"').error).toContain('did you mean status?');
    expect(errorOf('status == finished').error).toBe(`unknown column 'finished' at character 11 (to compare with text, put it in quotes: "..." )`);
  });

  it('accepts any column name when no columns are given', () => {
    expect(matching('lrr > 1', null)).toEqual([]);
  });

  it('says what was expected, and where, for malformed filters', () => {
    expect(errorOf('lr >')).toEqual({ error: 'expected a column, a number or a quoted text at character 5, found the end of the filter', position: 4 });
    expect(errorOf('lr 0.1').error).toBe("expected a comparison (< <= > >= == != ~) after the column lr, at character 4, found '0.1'");
    expect(errorOf('lr').error).toBe('expected a comparison (< <= > >= == != ~) after the column lr, at character 3');
    expect(errorOf('(lr > 1').error).toBe("missing ')' for the '(' at character 1");
    expect(errorOf('lr > 1)').error).toBe("unmatched ')' at character 7");
    expect(errorOf('lr > 1 lr < 2').error).toBe("expected 'and', 'or' or the end at character 8, found 'lr'");
    expect(errorOf('name == "abc').error).toBe('the text starting at character 9 has no closing "');
    expect(errorOf('lr > 1e').error).toContain("'1e' at character 6 is neither a number nor a column name");
    expect(errorOf('lr > 1 and and').error).toContain('at character 12');
    expect(errorOf('lr # 1').error).toContain("unexpected '#' at character 4");
    expect(errorOf('réseau > 1').error).toContain("unexpected 'é' at character 2");
  });

  it('survives hostile input: deep nesting, huge text, prototype names, control characters', () => {
    expect(errorOf('('.repeat(10_000) + 'lr > 1' + ')'.repeat(10_000)).error).toContain('the filter is 20006 characters long');
    expect(errorOf('('.repeat(500) + 'lr > 1' + ')'.repeat(500)).error).toContain('nests deeper than 64 levels');
    expect(errorOf('not '.repeat(200) + 'lr > 1').error).toContain('nests deeper than 64 levels');
    expect(matching('('.repeat(30) + 'lr > 0.01' + ')'.repeat(30))).toEqual(['b']);
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      const f = compileFilter(`${name} ~ "" or ${name} == "[object Object]"`);
      expect(f.ok && Object.values(rows).some((r) => f.test(r))).toBe(false);
    }
    expect(errorOf('lr > 1\u0000').error).toContain('unexpected');
    const long = `name == "${'x'.repeat(9000)}"`;
    expect(compileFilter(long).ok).toBe(true);
    const many = Array.from({ length: 700 }, (_, i) => `lr == ${i}`).join(' or ');
    const f = compileFilter(many);
    expect(f.ok && f.test({ lr: 699 })).toBe(true);
  });

  it('never throws, whatever the text', () => {
    const alphabet = ['lr', ' ', '(', ')', '"', "'", '`', '<', '=', '>', '!', '~', 'and', 'or', 'not', '1', 'e', '-', '.', '\\', '/', '&', '|'];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: rnd(12) }, () => alphabet[rnd(alphabet.length)]).join('');
      const f = compileFilter(text, ['lr', 'e']);
      if (f.ok) expect(typeof f.test(rows.a!)).toBe('boolean');
      else expect(f.position).toBeGreaterThanOrEqual(0);
    }
  });
});
