import { describe, expect, it } from 'vitest';
import { duplicateNames, runLabel, shortRunId } from './runLabel.js';

const run = (id: string, name: string) => ({ id, name });

describe('runLabel', () => {
  it('leaves a unique name alone and marks names shared by two runs with the short id', () => {
    const peers = [run('20261130-051400-a1b2c3', 'baseline'), run('20261130-051500-d4e5f6', 'baseline'), run('20261130-051600-0a0b0c', 'lr=0.1')];
    expect(runLabel(peers[0]!, peers)).toBe('baseline · a1b2c3');
    expect(runLabel(peers[1]!, peers)).toBe('baseline · d4e5f6');
    expect(runLabel(peers[2]!, peers)).toBe('lr=0.1');
  });

  it('does not count the same run twice as a duplicate, and marks on demand', () => {
    const a = run('20261130-051400-a1b2c3', 'x');
    expect(duplicateNames([a, a]).size).toBe(0);
    expect(runLabel(a, [], true)).toBe('x · a1b2c3');
    expect(shortRunId('abc')).toBe('abc');
    expect(shortRunId('20261130-064330-6691b3-b3')).toBe('6691b3-b3'); // a sweep block's run of a job
    // A random part that reads like a block is not one: 'b' + digits happens to about 1 id in 160.
    expect(shortRunId('20261130-082335-b00985')).toBe('b00985');
    expect(shortRunId('20261130-082335-b12345')).toBe('b12345');
    expect(shortRunId('20261130-082335-b12345-b2')).toBe('b12345-b2');
  });
});
