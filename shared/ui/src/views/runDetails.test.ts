import { describe, expect, it } from 'vitest';
import { scriptPathOf } from './runDetails.js';

describe('scriptPathOf (the editors offer "Open Script" for script runs and script jobs)', () => {
  it('is the script a script run recorded in its meta', () => {
    expect(scriptPathOf({ kind: 'script', notebook: null, meta: { script: '/work/train.py' } })).toBe('/work/train.py');
  });

  it('is the script a script job runs (the daemon records `python FILE.py` jobs\' file)', () => {
    expect(scriptPathOf({ kind: 'job', notebook: null, meta: { script: '/work/train.py' } })).toBe('/work/train.py');
  });

  it('is null for cell runs, for cell jobs, and without a recorded script', () => {
    expect(scriptPathOf({ kind: 'cell', notebook: '/work/nb.ipynb', meta: {} })).toBeNull();
    expect(scriptPathOf({ kind: 'job', notebook: '/work/nb.ipynb', meta: {} })).toBeNull();
    expect(scriptPathOf({ kind: 'job', notebook: null, meta: {} })).toBeNull();
    expect(scriptPathOf({ kind: 'script', notebook: null, meta: {} })).toBeNull();
    expect(scriptPathOf({ kind: 'script', notebook: null, meta: { script: 'relative.py' } })).toBeNull();
  });
});
