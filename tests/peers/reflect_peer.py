"""Python protobuf's json_format and text_format against courier-reflect (tests/reflect_python.rs).

Usage: reflect_peer.py DESCRIPTOR_SET INPUT

DESCRIPTOR_SET is an encoded FileDescriptorSet (the conformance protos and the well-known types);
the message classes are built from it in a fresh descriptor pool. Each INPUT line is
`TYPE BINARY JSON TEXT` (the last three base64): a message Courier generated, its binary
encoding, and Courier's ProtoJSON and text format for it. For each line this prints either
`ok PY_JSON PY_TEXT` (base64: Python's own ProtoJSON and text format of the message, for Courier
to parse back) or `diff WHAT` when Python reads Courier's JSON or text as a message different
from the binary one (WHAT names the first differing field) or cannot read it at all.
"""

import base64
import math
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory, text_format
from google.protobuf.descriptor import FieldDescriptor


def same_scalar(field, a, b):
    if field.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b


def diff(a, b, path, pool):
    """The path of the first field where messages a and b differ, or None."""
    if a.DESCRIPTOR.full_name == "google.protobuf.Any" and a.type_url and a.type_url == b.type_url:
        # Compare what the Any holds, not its bytes (map order is not fixed).
        name = a.type_url.split("/")[-1]
        cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
        return diff(cls.FromString(a.value), cls.FromString(b.value), path + "(" + name + ")", pool)
    fa = {f.full_name: (f, v) for f, v in a.ListFields()}
    fb = {f.full_name: (f, v) for f, v in b.ListFields()}
    for name in sorted(set(fa) | set(fb)):
        if name not in fa or name not in fb:
            return "%s.%s: set on one side only" % (path, name)
        f, va = fa[name]
        _, vb = fb[name]
        here = "%s.%s" % (path, f.name)
        is_map = f.message_type is not None and f.message_type.GetOptions().map_entry
        if is_map:
            if set(va.keys()) != set(vb.keys()):
                return "%s: map keys %r vs %r" % (here, sorted(va.keys()), sorted(vb.keys()))
            vf = f.message_type.fields_by_name["value"]
            for k in va:
                if vf.message_type is not None:
                    d = diff(va[k], vb[k], "%s[%r]" % (here, k), pool)
                    if d:
                        return d
                elif not same_scalar(vf, va[k], vb[k]):
                    return "%s[%r]: %r vs %r" % (here, k, va[k], vb[k])
        elif f.is_repeated:
            if len(va) != len(vb):
                return "%s: %d vs %d elements" % (here, len(va), len(vb))
            for i, (x, y) in enumerate(zip(va, vb)):
                if f.message_type is not None:
                    d = diff(x, y, "%s[%d]" % (here, i), pool)
                    if d:
                        return d
                elif not same_scalar(f, x, y):
                    return "%s[%d]: %r vs %r" % (here, i, x, y)
        elif f.message_type is not None:
            d = diff(va, vb, here, pool)
            if d:
                return d
        elif not same_scalar(f, va, vb):
            return "%s: %r vs %r" % (here, va, vb)
    return None


def main():
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(sys.argv[1], "rb").read())
    pool = descriptor_pool.DescriptorPool()
    for f in fds.file:
        pool.Add(f)
    b64 = lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii")
    for line in open(sys.argv[2]):
        name, binary, js, text = line.split()
        cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
        expected = cls.FromString(base64.b64decode(binary))
        problems = []
        try:
            from_json = json_format.Parse(base64.b64decode(js).decode("utf-8"), cls(), descriptor_pool=pool)
            d = diff(expected, from_json, "$", pool)
            if d:
                problems.append("json " + d)
        except Exception as e:  # noqa: BLE001 - report any failure to read Courier's JSON
            problems.append("json unreadable: %s" % e)
        try:
            from_text = text_format.Parse(base64.b64decode(text).decode("utf-8"), cls(), descriptor_pool=pool)
            d = diff(expected, from_text, "$", pool)
            if d:
                problems.append("text " + d)
        except Exception as e:  # noqa: BLE001
            problems.append("text unreadable: %s" % e)
        if problems:
            print("diff " + b64("; ".join(problems)))
            continue
        py_json = json_format.MessageToJson(expected, descriptor_pool=pool)
        py_text = text_format.MessageToString(expected, descriptor_pool=pool)
        print("ok %s %s" % (b64(py_json), b64(py_text)))


if __name__ == "__main__":
    main()
