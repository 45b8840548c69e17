// The shared in-band vectors (test/fixtures/inband-vectors.json), also checked by the Python twin.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InbandDemux, type InbandRecord } from './inband.js';

interface DemuxCase {
  name: string;
  chunks: string[];
  text: string;
  records: InbandRecord[];
  end: string;
}

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/inband-vectors.json');
const vectors = JSON.parse(readFileSync(file, 'utf8')) as { demux: DemuxCase[] };

describe('in-band demux', () => {
  for (const c of vectors.demux) {
    it(c.name, () => {
      const demux = new InbandDemux();
      let text = '';
      const records: InbandRecord[] = [];
      for (const chunk of c.chunks) {
        const out = demux.push(chunk);
        text += out.text;
        records.push(...out.records);
      }
      expect(text).toBe(c.text);
      expect(records).toEqual(c.records);
      expect(demux.end()).toBe(c.end);
    });
  }
});
