import type { TargetInfo } from '@runlane/protocol';
import { describe, expect, it } from 'vitest';
import { pickerTitle, splitArgs, targetChoices } from './targetChoices.js';

const target = (name: string, ok = true, detail = 'ready'): TargetInfo => ({ name, kind: 'local', ok, detail, gpus: [] }) as unknown as TargetInfo;
const targets = [target('local'), target('gpu-box', false, 'ssh: connection refused (is the host up?)')];
const active = (choices: ReturnType<typeof targetChoices>) => choices.filter((c) => c.active).map((c) => c.target);

describe('the target picker', () => {
  it('under the Runlane jobs controller offers no "This kernel" and preselects the magic line’s target', () => {
    const choices = targetChoices({ kind: 'jobs-cell', source: '%%runlane --on local --workers 2 --name "two ranks"\nx', defaultTarget: 'gpu-box' }, targets);
    expect(choices.map((c) => c.target)).toEqual(['local', 'gpu-box']);
    expect(active(choices)).toEqual(['local']);
    // The kind is said only where the name does not say it (the row read "local  local").
    expect(choices.map((c) => c.description)).toEqual(['ready', 'local · cannot be used']);
  });

  it('in a kernel notebook offers "This kernel" and says which job options it would remove', () => {
    const choices = targetChoices({ kind: 'kernel-cell', source: '%%runlane --on local --workers 2\nx' }, targets);
    expect(choices[0]).toMatchObject({ label: 'This kernel', target: null });
    expect(choices[0]!.detail).toBe('Removes --workers 2 from the cell (they only apply to jobs).');
    expect(active(choices)).toEqual(['local']);
    expect(active(targetChoices({ kind: 'kernel-cell', source: 'x = 1' }, targets))).toEqual([null]);
  });

  it('says in the list why a target cannot be used, and never preselects it', () => {
    const choices = targetChoices({ kind: 'jobs-cell', source: '%%runlane --on gpu-box\nx', defaultTarget: 'local' }, targets);
    const box = choices.find((c) => c.target === 'gpu-box')!;
    expect(box).toMatchObject({ usable: false, detail: 'Unavailable: ssh: connection refused (is the host up?)' });
    expect(active(choices)).toEqual(['local']);
    const missing = targetChoices({ kind: 'jobs-cell', source: '%%runlane --on gone\nx', defaultTarget: 'local' }, targets);
    expect(missing.find((c) => c.target === 'gone')).toMatchObject({ usable: false, detail: 'Unavailable: no target named “gone” in runlane.toml.' });
  });

  it('for a file: targets only, titled with the file, the last target used preselected', () => {
    const context = { kind: 'file', file: '/w/train.py', lastTarget: null } as const;
    expect(pickerTitle(context, (p) => p.split('/').pop()!)).toBe('Run train.py as Experiment');
    expect(targetChoices(context, targets).map((c) => c.target)).toEqual(['local', 'gpu-box']);
    expect(active(targetChoices(context, targets))).toEqual(['local']);
  });

  it('splits arguments like a shell', () => {
    expect(splitArgs(`--lr 0.1 --name "two words" 'single q' a\\ b`)).toEqual(['--lr', '0.1', '--name', 'two words', 'single q', 'a b']);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('--tag=""')).toEqual(['--tag=']);
  });
});
