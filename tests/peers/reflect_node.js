'use strict';
// protobuf-es (@bufbuild/protobuf) ProtoJSON against courier-reflect (tests/reflect_node.rs).
//
// Usage: node reflect_node.js DESCRIPTOR_SET INPUT  (NODE_PATH: .peers/node/node_modules)
//
// DESCRIPTOR_SET is an encoded FileDescriptorSet; the message types come from it through a
// protobuf-es registry. Each INPUT line is `TYPE BINARY JSON` (both base64): a message Courier
// generated, its binary encoding, and Courier's ProtoJSON for it. For each line this prints
// `ok PY_JSON` (base64: protobuf-es's own ProtoJSON of the message, for Courier to read back)
// or `diff WHAT` when protobuf-es reads Courier's JSON as a different message than the binary
// one (WHAT is the JSON path of the first difference, comparing protobuf-es's JSON of both) or
// cannot read it.

const fs = require('fs');
const pb = require('@bufbuild/protobuf');
const wkt = require('@bufbuild/protobuf/wkt');

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');

// The path of the first difference between two JSON values, or null.
function diff(a, b, path) {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    return `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a)) {
    if (a.length !== b.length) return `${path}: ${a.length} vs ${b.length} elements`;
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a !== null && typeof a === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    if (JSON.stringify(ka) !== JSON.stringify(kb)) {
      return `${path}: members ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
    }
    for (const k of ka) {
      const d = diff(a[k], b[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  if (typeof a === 'number' && Object.is(a, 0) !== Object.is(b, 0)) {
    return `${path}: ${Object.is(a, -0) ? '-0' : a} vs ${Object.is(b, -0) ? '-0' : b}`;
  }
  return a === b ? null : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

function main() {
  const [setPath, inputPath] = process.argv.slice(2);
  const set = pb.fromBinary(wkt.FileDescriptorSetSchema, fs.readFileSync(setPath));
  const registry = pb.createFileRegistry(set);
  const out = [];
  for (const line of fs.readFileSync(inputPath, 'utf8').split('\n')) {
    if (!line) continue;
    const [name, binary, json] = line.split(' ');
    const desc = registry.getMessage(name);
    const expected = pb.fromBinary(desc, Buffer.from(binary, 'base64'));
    // Both sides through the binary form once, so that float fields hold float32 values
    // (protobuf-es keeps what JSON gave it as a double until it encodes).
    const normal = (m) => pb.toJson(desc, pb.fromBinary(desc, pb.toBinary(desc, m)), { registry });
    const want = normal(expected);
    let got;
    try {
      got = normal(pb.fromJsonString(desc, Buffer.from(json, 'base64').toString('utf8'), { registry }));
    } catch (e) {
      out.push(`diff ${b64(`unreadable: ${e.message}`)}`);
      continue;
    }
    const d = diff(want, got, '$');
    out.push(d ? `diff ${b64(d)}` : `ok ${b64(pb.toJsonString(desc, expected, { registry }))}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

main();
