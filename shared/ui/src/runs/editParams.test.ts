import { describe, expect, it } from 'vitest';
import { applyParamsToSource, editableParams, parseEditedParams, pythonLiteral } from './editParams.js';

describe('re-run with edited params', () => {
  it('rewrites top-level literal assignments, keeping comments, annotations and everything else', () => {
    const cell = '%%runlane --name x\nlr = 0.1  # learning rate\nlayers: list = [64, 64]\nif lr == 0.1:\n    lr = 5\nname="a"\n';
    const { source, unused } = applyParamsToSource(cell, { lr: 0.05, layers: [32], name: 'b', seed: 3 });
    expect(source).toBe('%%runlane --name x\nlr = 0.05  # learning rate\nlayers: list = [32]\nif lr == 0.1:\n    lr = 5\nname="b"\n');
    expect(unused).toEqual(['seed']);
  });

  it('keeps a float a float: 1.0 typed for lr = 0.3 is written as 1.0, an int stays an int', () => {
    const cell = 'lr = 0.3\nepochs = 10\nwd = 1e-4  # decay\n';
    const { source } = applyParamsToSource(cell, parseEditedParams('{"lr": 1.0, "epochs": 20, "wd": 0}'));
    expect(source).toBe('lr = 1.0\nepochs = 20\nwd = 0.0  # decay\n');
  });

  it('writes Python literals and reads JSON with a clear error', () => {
    expect(pythonLiteral({ a: [true, null, 1.5], b: { $float: 'NaN' } })).toBe('{"a": [True, None, 1.5], "b": float(\'nan\')}');
    expect(parseEditedParams('{"lr": 1}')).toEqual({ lr: 1 });
    expect(() => parseEditedParams('lr=1')).toThrow(/not valid JSON/);
    expect(() => parseEditedParams('[1]')).toThrow(/one JSON object/);
    expect(editableParams({ lr: 1, target: 'local', workers: 2, command: [] })).toEqual({ lr: 1 });
  });
});
