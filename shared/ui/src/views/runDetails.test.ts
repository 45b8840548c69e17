import { describe, expect, it } from 'vitest';
import { scriptPathOf } from './runDetails.js';

describe('scriptPathOf (the editors offer "Open Script" for script runs only)', () => {
  it('is the script a script run recorded in its meta', () => {
    expect(scriptPathOf({ kind: 'script', notebook: null, meta: { script: '/work/train.py' } })).toBe('/work/train.py');
  });

  it('is null for cell runs, for jobs (their workers run Runlane’s own module) and without a recorded script', () => {
    expect(scriptPathOf({ kind: 'cell', notebook: '/work/nb.ipynb', meta: {} })).toBeNull();
    expect(scriptPathOf({ kind: 'job', notebook: null, meta: { script: '/venv/lib/runlane/worker.py' } })).toBeNull();
    expect(scriptPathOf({ kind: 'script', notebook: null, meta: {} })).toBeNull();
    expect(scriptPathOf({ kind: 'script', notebook: null, meta: { script: 'relative.py' } })).toBeNull();
  });
});
