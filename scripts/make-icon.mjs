#!/usr/bin/env node
// Draws the extension icon the VS Code Marketplace and Open VSX show (a 128x128 PNG; they take no
// SVG): three run lanes and a rising metric on a rounded square, in Runlane's blue and amber.
// Deterministic: the same bytes every time (test/integration/publish.test.ts checks the committed one).
// Usage: node scripts/make-icon.mjs [OUT]   (default: vscode-ext/media/icon.png)
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SUB = 4; // samples per pixel side: smooth edges without a drawing library

const background = [0x23, 0x39, 0x5d];
const lane = [0x3d, 0x5a, 0x80];
const metric = [0xff, 0xb7, 0x03];

// The shapes, in icon pixels. The metric line climbs through points across the three lanes.
const lanesY = [40, 64, 88];
const points = [[22, 96], [46, 80], [66, 84], [86, 56], [106, 34]];

function distanceToSegment(x, y, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - ax - t * dx, y - ay - t * dy);
}

function insideRoundedSquare(x, y) {
  const r = 24;
  const cx = Math.min(Math.max(x, r), SIZE - r);
  const cy = Math.min(Math.max(y, r), SIZE - r);
  return Math.hypot(x - cx, y - cy) <= r;
}

/** The colour at one sample point, or null outside the icon (transparent). */
function sample(x, y) {
  if (!insideRoundedSquare(x, y)) return null;
  const last = points[points.length - 1];
  if (Math.hypot(x - last[0], y - last[1]) <= 8) return metric;
  for (let i = 1; i < points.length; i++) if (distanceToSegment(x, y, points[i - 1], points[i]) <= 4.5) return metric;
  if (x >= 18 && x <= 110 && lanesY.some((ly) => Math.abs(y - ly) <= 2)) return lane;
  return background;
}

function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function drawIcon() {
  const rows = Buffer.alloc(SIZE * (1 + SIZE * 4));
  for (let py = 0; py < SIZE; py++) {
    const row = py * (1 + SIZE * 4); // each row starts with PNG filter type 0 (none)
    for (let px = 0; px < SIZE; px++) {
      const sum = [0, 0, 0];
      let covered = 0;
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const c = sample(px + (sx + 0.5) / SUB, py + (sy + 0.5) / SUB);
          if (!c) continue;
          covered++;
          for (let i = 0; i < 3; i++) sum[i] += c[i];
        }
      }
      const at = row + 1 + px * 4;
      for (let i = 0; i < 3; i++) rows[at + i] = covered ? Math.round(sum[i] / covered) : 0;
      rows[at + 3] = Math.round((covered * 255) / (SUB * SUB));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, default compression, filter, no interlace
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const out = path.resolve(process.argv[2] ?? path.join(root, 'vscode-ext/media/icon.png'));
  writeFileSync(out, drawIcon());
  console.log(`wrote ${out}`);
}
