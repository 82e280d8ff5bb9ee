"""Extensions peer for tests/codegen_golden.rs: Python protobuf reads the proto2 extensions
Courier wrote and writes its own for Courier to read.

usage: ext_peer.py OUT_DIR COURIER_EVERYTHING_HEX
OUT_DIR holds courier/features/proto2_all_pb2.py (grpc_tools.protoc --python_out).
Prints: what Python read from Courier's message, then Python's Everything and Limits (hex).
"""
import sys

sys.path.insert(0, sys.argv[1])
from courier.features import proto2_all_pb2 as p2  # noqa: E402

ours = p2.Everything()
ours.ParseFromString(bytes.fromhex(sys.argv[2]))
more = ours.Extensions[p2.more]
print(
    ours.HasExtension(p2.top_ext),
    ours.Extensions[p2.top_ext],
    len(more),
    " ".join(f"{m.min}:{','.join(m.names)}" for m in more),
    sep="\t",
)

e = p2.Everything(req=1)
e.Extensions[p2.top_ext] = -42
m = e.Extensions[p2.more].add()
m.min = 5
m.names.append("x")
e.Extensions[p2.more].add().inner.min = 6
print(e.SerializeToString().hex())
limits = p2.Limits(min=3)
limits.Extensions[p2.Everything.nested_ext] = 77
print(limits.SerializeToString().hex())
