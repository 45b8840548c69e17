import type { RunSummary, TargetInfo } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { gpuCountText, runTargetText, targetChoiceText, targetKindText, targetOf } from './targetLabels.js';

const target = (overrides: Partial<TargetInfo>): TargetInfo => ({ name: 'box', kind: 'ssh', gpus: [], ok: true, detail: 'box.lan, Python 3.11', ...overrides });
const run = (params: RunSummary['params']): Pick<RunSummary, 'params'> => ({ params });

describe('target labels', () => {
  it('a run names the target it ran on, and nothing when it ran in a kernel', () => {
    expect(targetOf(run({ target: 'gpu-box', lr: 0.1 }))).toBe('gpu-box');
    expect(runTargetText(run({ target: 'gpu-box' }))).toBe('on gpu-box');
    expect(targetOf(run({ lr: 0.1 }))).toBeNull();
    expect(runTargetText(run({ target: 3 }))).toBe(''); // a param the user named "target" that is no name
  });

  it('counts GPUs in words', () => {
    expect(gpuCountText(0)).toBe('');
    expect(gpuCountText(1)).toBe('1 GPU');
    expect(gpuCountText(4)).toBe('4 GPUs');
  });

  it('says the kind only where the name does not (a picker row read "local  local")', () => {
    expect(targetKindText(target({ name: 'local', kind: 'local' }))).toBe('');
    expect(targetKindText(target({ name: 'gpu-box', kind: 'ssh' }))).toBe('ssh');
  });

  it('a picker line: kind, GPUs and what the target is, or that it cannot be used', () => {
    expect(targetChoiceText(target({ gpus: ['0', '1'] }))).toBe('ssh · 2 GPUs · box.lan, Python 3.11');
    expect(targetChoiceText(target({ name: 'local', kind: 'local', gpus: ['0'], detail: '1 GPU free' }))).toBe('1 GPU · 1 GPU free');
    expect(targetChoiceText(target({ gpus: ['0'], ok: false, detail: 'Connection refused' }))).toBe('ssh · cannot be used');
  });
});
