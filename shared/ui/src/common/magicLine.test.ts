import { describe, expect, it } from 'vitest';
import { droppedOptions, magicOptions, magicTarget, readMagicLine, withRunlaneMagic } from './magicLine.js';

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

  it('keeps every option the user wrote when the same target is picked again (the "two ranks" cell)', () => {
    const cell = '%%runlane --on local --workers 2 --name "two ranks"\nbody';
    expect(withRunlaneMagic(cell, 'local')).toBe(cell);
    expect(withRunlaneMagic(cell, { target: 'local' })).toBe(cell);
  });

  it('replaces only the values picked, in place, and adds the ones not written yet', () => {
    const cell = '%%runlane --name "a b" --workers 2 --detach\nbody';
    expect(withRunlaneMagic(cell, { target: 'gpu', workers: 4 })).toBe('%%runlane --on gpu --name "a b" --workers 4 --detach\nbody');
    expect(withRunlaneMagic(cell, { target: 'gpu', gpus: 1 })).toBe('%%runlane --on gpu --name "a b" --workers 2 --detach --gpus 1\nbody');
    expect(withRunlaneMagic('%%runlane --workers=3\nx', { target: 'gpu', workers: 3 })).toBe('%%runlane --on gpu --workers 3\nx');
  });

  it('names the job-only options a move to the kernel drops, so the picker can say so first', () => {
    const cell = '%%runlane --on local --workers 2 --name "two ranks" --with=lr --detach\nbody';
    expect(droppedOptions(cell, null)).toEqual(['--workers 2', '--with=lr', '--detach']);
    expect(droppedOptions(cell, 'local')).toEqual([]);
    expect(droppedOptions('%%runlane --name x\n', null)).toEqual([]);
  });

  it('reads the target of the line, quoted or not', () => {
    expect(magicTarget('%%runlane --on "gpu box" --workers 2\n')).toBe('gpu box');
    expect(magicTarget('%%runlane --name x --on=local\n')).toBe('local');
    expect(magicTarget('%%runlane --name "--on x"\n')).toBeNull();
    expect(magicTarget('print(1)')).toBeNull();
  });

  it('reads the whole line once: target, workers, GPUs, name, experiment and the body under it', () => {
    expect(readMagicLine('%%runlane --on "gpu box" --workers 2 --gpus=1 --name \'two ranks\' --experiment lr\nx = 1\ny = 2')).toEqual({
      subcommand: null, target: 'gpu box', workers: 2, gpus: 1, name: 'two ranks', experiment: 'lr', body: 'x = 1\ny = 2',
    });
    expect(readMagicLine('%%runlane\nx = 1')).toEqual({ subcommand: null, target: null, workers: null, gpus: null, name: null, experiment: null, body: 'x = 1' });
    expect(readMagicLine('%%runlane --on local')).toMatchObject({ target: 'local', body: '' });
    expect(readMagicLine('%%runlane --on=a=b\n')).toMatchObject({ target: 'a=b' }); // the part after the first "="
    expect(readMagicLine('%%runlane --workers many\n')?.workers).toBeNaN(); // said by the job's own check
    expect(readMagicLine('x = 1\n%%runlane --on local')).toBeNull();
  });
});

describe('a %%runlane sweep cell', () => {
  const sweep = '%%runlane sweep --on local --trials 8 --parallel 2 --metric val/loss --mode min --gpus 1\nlr = rl.loguniform(1e-4, 1e-1)';

  it('is read as a sweep, not as a job cell with a stray word', () => {
    expect(readMagicLine(sweep)).toMatchObject({ subcommand: 'sweep', target: 'local', gpus: 1, body: 'lr = rl.loguniform(1e-4, 1e-1)' });
    expect(readMagicLine('%%runlane --on local\nx')?.subcommand).toBeNull();
    expect(magicTarget(sweep)).toBe('local');
  });

  it('stays a sweep when a target is picked: the word first, only --on changes', () => {
    expect(withRunlaneMagic(sweep, 'gpu box')).toBe(
      '%%runlane sweep --on "gpu box" --trials 8 --parallel 2 --metric val/loss --mode min --gpus 1\nlr = rl.loguniform(1e-4, 1e-1)',
    );
    expect(withRunlaneMagic('%%runlane sweep --trials 2 --metric m\nx', 'slurm')).toBe('%%runlane sweep --on slurm --trials 2 --metric m\nx');
  });

  it('is left as written by "this kernel" (the kernel starts the sweep; its options are the sweep\'s own)', () => {
    expect(withRunlaneMagic(sweep, null)).toBe(sweep);
    expect(droppedOptions(sweep, null)).toEqual([]);
    expect(withRunlaneMagic(sweep, { target: 'local', name: 'lr search' })).toBe(
      '%%runlane sweep --on local --trials 8 --parallel 2 --metric val/loss --mode min --gpus 1 --name "lr search"\nlr = rl.loguniform(1e-4, 1e-1)',
    );
  });
});
