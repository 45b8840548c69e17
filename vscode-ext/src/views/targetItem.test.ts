import { expect, it } from 'vitest';
import { targetDescription } from './targetItem.js';

it('says the kind only when the name does not, then the GPUs, the state and the jobs', () => {
  expect(targetDescription({ name: 'local', kind: 'local', gpus: [], ok: true, detail: 'this machine, no GPUs' }, 0)).toBe('no GPUs');
  expect(targetDescription({ name: 'local', kind: 'local', gpus: ['0', '1'], ok: true, detail: '' }, 1)).toBe('2 GPUs · 1 job');
  expect(targetDescription({ name: 'dead-box', kind: 'ssh', gpus: [], ok: false, detail: 'refused' }, 0)).toBe('ssh · unavailable');
  expect(targetDescription({ name: 'cluster', kind: 'slurm', gpus: [], ok: true, detail: '' }, 0)).toBe('slurm');
  expect(targetDescription({ name: 'slurm', kind: 'slurm', gpus: [], ok: true, detail: '' }, 0)).toBe('ready');
});
