import { describe, expect, it } from 'vitest';
import { scriptPathOf } from './runDetails.js';

describe('scriptPathOf (the editors offer "Open Script" for script runs only)', () => {
  it('is the script a script run recorded in its environment', () => {
    expect(scriptPathOf({ kind: 'script', notebook: null, env: { script: '/work/train.py', cwd: '/work' } })).toBe('/work/train.py');
  });

  it('is null for cell runs, for jobs (their workers run Runlane’s own module) and without a recorded script', () => {
    expect(scriptPathOf({ kind: 'cell', notebook: '/work/nb.ipynb', env: { script: null } })).toBeNull();
    expect(scriptPathOf({ kind: 'job', notebook: null, env: { script: '/venv/lib/runlane/worker.py' } })).toBeNull();
    expect(scriptPathOf({ kind: 'script', notebook: null, env: null })).toBeNull();
    expect(scriptPathOf({ kind: 'script', notebook: null, env: { script: 'relative.py' } })).toBeNull();
  });
});
