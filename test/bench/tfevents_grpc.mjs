// The two messages the benchmark exchanges with TensorBoard's data server, encoded and decoded by
// hand (field numbers from tensorboard/data/proto/data_provider.proto, as tensorboard 2.21.0 ships
// it): ReadScalarsRequest { 2: plugin_filter { 1: plugin_name }, 3: run_tag_filter { 1: runs { 1:
// names }, 2: tags { 1: names } }, 4: downsample { 1: num_points } } and ReadScalarsResponse { 1:
// runs { 1: run_name, 2: tags { 1: tag_name, 2: data { 1: step (int64), 2: wall_time (double),
// 3: value (float), each repeated and packed } } } }.

function varint(n) {
  const out = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

const field = (num, bytes) => Buffer.from([...varint(num * 8 + 2), ...varint(bytes.length), ...bytes]);

export function readScalarsRequest(runs, tag, points) {
  const runFilter = Buffer.concat(runs.map((run) => field(1, Buffer.from(run))));
  const runTagFilter = Buffer.concat([field(1, runFilter), field(2, field(1, Buffer.from(tag)))]);
  return Buffer.concat([field(2, field(1, Buffer.from('scalars'))), field(3, runTagFilter), field(4, Buffer.from([0x08, ...varint(points)]))]);
}

/** A reader of one message: `fields()` yields [number, wire, value] (value: a number, or [start, end) for bytes). */
function* fields(buf, start, end) {
  let at = start;
  const readVarint = () => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = buf[at++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
  };
  while (at < end) {
    const key = readVarint();
    const wire = key & 7;
    if (wire === 0) yield [key >>> 3, wire, readVarint()];
    else if (wire === 1) yield [key >>> 3, wire, buf.readDoubleLE((at += 8) - 8)];
    else if (wire === 5) yield [key >>> 3, wire, buf.readFloatLE((at += 4) - 4)];
    else if (wire === 2) {
      const length = readVarint();
      yield [key >>> 3, wire, [at, (at += length)]];
    } else throw new Error(`unexpected wire type ${wire}`);
  }
}

function packedVarints(buf, [start, end]) {
  const out = [];
  let at = start;
  while (at < end) {
    let result = 0;
    let scale = 1;
    for (;;) {
      const byte = buf[at++];
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
      scale *= 128;
    }
    out.push(result);
  }
  return out;
}

/** run name -> the last point of the (one) tag it returned: { step, value }. */
export function lastSteps(reply) {
  const out = new Map();
  for (const [num, , run] of fields(reply, 0, reply.length)) {
    if (num !== 1) continue;
    let name = '';
    let last = null;
    for (const [f, , v] of fields(reply, run[0], run[1])) {
      if (f === 1) name = reply.toString('utf8', v[0], v[1]);
      if (f !== 2) continue;
      for (const [g, , data] of fields(reply, v[0], v[1])) {
        if (g !== 2) continue;
        let steps = [];
        let values = [];
        for (const [h, wire, d] of fields(reply, data[0], data[1])) {
          if (h === 1) steps = wire === 2 ? packedVarints(reply, d) : [...steps, d];
          if (h === 3) values = wire === 2 ? Array.from({ length: (d[1] - d[0]) / 4 }, (_, i) => reply.readFloatLE(d[0] + 4 * i)) : [...values, d];
        }
        if (steps.length) last = { step: steps.at(-1), value: values.at(-1) };
      }
    }
    if (last) out.set(name, last);
  }
  return out;
}
