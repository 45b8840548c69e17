import { describe, expect, it } from 'vitest';
import { magicOptions, withRunlaneMagic } from './magicLine.js';

describe('the %%runlane line "Run Cell as Experiment" writes', () => {
  it('adds the magic to a plain cell, for the kernel or a target', () => {
    expect(withRunlaneMagic('lr = 0.1\ntrain()', null)).toBe('%%runlane\nlr = 0.1\ntrain()');
    expect(withRunlaneMagic('lr = 0.1', 'gpu-box')).toBe('%%runlane --on gpu-box\nlr = 0.1');
    expect(withRunlaneMagic('', null)).toBe('%%runlane\n');
  });

  it('keeps the options already there and switches the target', () => {
    const cell = '%%runlane --name "my run" --on local --workers 2 --with lr,cfg --detach\nbody';
    expect(withRunlaneMagic(cell, 'cluster')).toBe('%%runlane --on cluster --name "my run" --workers 2 --with lr,cfg --detach\nbody');
    expect(withRunlaneMagic(cell, null)).toBe('%%runlane --name "my run"\nbody');
    expect(withRunlaneMagic('%%runlane --on=old --experiment x\nbody', 'new one')).toBe('%%runlane --on "new one" --experiment x\nbody');
  });

  it('reads the options of a magic line, and nothing from a cell without one', () => {
    expect(magicOptions('%%runlane --name "a b" --on x\n1')).toEqual(['--name', '"a b"', '--on', 'x']);
    expect(magicOptions('%%runlaneX\n')).toBeNull();
    expect(magicOptions('print(1)')).toBeNull();
  });
});
