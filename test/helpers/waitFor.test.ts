import { describe, expect, it } from 'vitest';
import { waitFor } from './waitFor.js';

describe('waitFor', () => {
  it('resolves once the condition holds, and says so when it never does', async () => {
    let calls = 0;
    await waitFor(() => ++calls === 3, 5_000, 10);
    expect(calls).toBe(3);
    await expect(waitFor(async () => false, 100, 10)).rejects.toThrow('condition not met in 100 ms');
  });
});
