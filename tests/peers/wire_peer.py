"""Python protobuf peer for Courier's wire codec cross-check (tests/wire_python.rs).

Usage: wire_peer.py GENERATED_DIR INPUT_FILE PY_COUNT

GENERATED_DIR holds courier/wire_test_pb2.py (compiled at test time by grpc_tools.protoc).
For every hex line of INPUT_FILE (messages encoded by Courier) prints
    R <tab> dump <tab> hex of SerializeToString()
and then PY_COUNT messages generated here, with a fixed seed:
    P <tab> dump <tab> hex of SerializeToString()
The dump is the canonical field-by-field format of courier_wire::testing::TestAll::dump.
"""

import random
import struct
import sys

sys.path.insert(0, sys.argv[1])

from google.protobuf.descriptor import FieldDescriptor as FD  # noqa: E402

from courier import wire_test_pb2 as pb  # noqa: E402

FLOAT_TYPES = (FD.TYPE_FLOAT,)
DOUBLE_TYPES = (FD.TYPE_DOUBLE,)


def is_map(field):
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def dump_value(field, v):
    t = field.type
    if t == FD.TYPE_FLOAT:
        return "f%08x" % struct.unpack("<I", struct.pack("<f", v))[0]
    if t == FD.TYPE_DOUBLE:
        return "d%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
    if t == FD.TYPE_BOOL:
        return "true" if v else "false"
    if t == FD.TYPE_STRING:
        return "x" + v.encode("utf-8").hex()
    if t == FD.TYPE_BYTES:
        return "x" + bytes(v).hex()
    if t in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
        return dump_message(v)
    return str(int(v))


def dump_message(m):
    out = ["{"]
    for field in sorted(m.DESCRIPTOR.fields, key=lambda f: f.number):
        v = getattr(m, field.name)
        if is_map(field):
            kf = field.message_type.fields_by_name["key"]
            vf = field.message_type.fields_by_name["value"]
            entries = sorted(dump_value(kf, k) + ":" + dump_value(vf, v[k]) for k in v)
            out.append("%s={%s};" % (field.name, ",".join(entries)))
        elif field.is_repeated:
            out.append("%s=[%s];" % (field.name, ",".join(dump_value(field, x) for x in v)))
        elif field.has_presence:
            if m.HasField(field.name):
                out.append("%s=%s;" % (field.name, dump_value(field, v)))
        else:
            out.append("%s=%s;" % (field.name, dump_value(field, v)))
    out.append("}")
    return "".join(out)


# ---- random messages generated on this side

RANGES = {
    FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FD.TYPE_ENUM: (-(2**31), 2**31 - 1),
    FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FD.TYPE_UINT32: (0, 2**32 - 1),
    FD.TYPE_FIXED32: (0, 2**32 - 1),
    FD.TYPE_UINT64: (0, 2**64 - 1),
    FD.TYPE_FIXED64: (0, 2**64 - 1),
}
POOL = ["a", "Z", "0", " ", "\0", "é", "€", "😀"]


def rand_scalar(rng, field):
    t = field.type
    if t in RANGES:
        lo, hi = RANGES[t]
        pick = rng.randrange(5)
        if pick == 0:
            return 0
        if pick == 1:
            return rng.choice([lo, hi, -1 if lo < 0 else 1, 127, 128, 300])
        bits = rng.randrange(1, 65)
        v = rng.randrange(lo, hi + 1) >> (64 - bits) if lo >= 0 else rng.randrange(lo, hi + 1) >> (64 - bits)
        return max(lo, min(hi, v))
    if t == FD.TYPE_BOOL:
        return rng.random() < 0.5
    if t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        pick = rng.randrange(5)
        if pick == 0:
            return rng.choice([0.0, -0.0, float("inf"), float("-inf"), 1.5])
        if t == FD.TYPE_FLOAT:
            v = struct.unpack("<f", struct.pack("<I", rng.getrandbits(32)))[0]
        else:
            v = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        return 0.25 if v != v else v
    if t == FD.TYPE_STRING:
        return "".join(rng.choice(POOL) for _ in range(rng.randrange(9)))
    if t == FD.TYPE_BYTES:
        return bytes(rng.getrandbits(8) for _ in range(rng.randrange(9)))
    raise ValueError(t)


def fill(rng, m, depth):
    oneof_done = set()
    for field in m.DESCRIPTOR.fields:
        if rng.random() < 0.6:
            continue
        if field.containing_oneof is not None:
            if field.containing_oneof.name in oneof_done:
                continue
            oneof_done.add(field.containing_oneof.name)
        is_msg = field.type in (FD.TYPE_MESSAGE, FD.TYPE_GROUP)
        if is_map(field):
            kf = field.message_type.fields_by_name["key"]
            vf = field.message_type.fields_by_name["value"]
            target = getattr(m, field.name)
            for _ in range(rng.randrange(4)):
                k = rand_scalar(rng, kf)
                if vf.type == FD.TYPE_MESSAGE:
                    if depth > 0:
                        fill(rng, target[k], depth - 1)
                else:
                    target[k] = rand_scalar(rng, vf)
        elif field.is_repeated:
            target = getattr(m, field.name)
            for _ in range(rng.randrange(5)):
                if is_msg:
                    if depth > 0:
                        fill(rng, target.add(), depth - 1)
                else:
                    target.append(rand_scalar(rng, field))
        elif is_msg:
            if depth > 0:
                sub = getattr(m, field.name)
                sub.SetInParent()
                fill(rng, sub, depth - 1)
        else:
            setattr(m, field.name, rand_scalar(rng, field))


def main():
    with open(sys.argv[2]) as f:
        for line in f:
            line = line.strip()
            m = pb.TestAll()
            m.ParseFromString(bytes.fromhex(line))
            print("R\t%s\t%s" % (dump_message(m), m.SerializeToString().hex()))
    rng = random.Random(20261121)
    for _ in range(int(sys.argv[3])):
        m = pb.TestAll()
        fill(rng, m, 3)
        print("P\t%s\t%s" % (dump_message(m), m.SerializeToString().hex()))


main()
