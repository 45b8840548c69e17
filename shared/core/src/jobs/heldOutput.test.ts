// The holder's writer on a device that is always full (/dev/full answers every write with ENOSPC): it
// never throws, and holds the newest bytes up to its bound. The whole path (a real tmpfs filled and
// freed under a real job) is the fault row test/faults/test_fault_job_output_disk_full.py.
import { closeSync, existsSync, openSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HoldingWriter } from './heldOutput.js';

describe.skipIf(!existsSync('/dev/full'))('a job output writer on a full disk', () => {
  it('never throws and holds the newest bytes up to its bound', async () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const writer = new HoldingWriter(fd, 100, 10);
      for (let i = 0; i < 25; i++) writer.write(Buffer.from(`line ${String(i).padStart(3, '0')}\n`)); // 9 bytes each
      expect(writer.waiting).toBe(100);
      expect(await writer.flush(30)).toBe(false);
    } finally {
      closeSync(fd);
    }
  });
});
