"""Shared by Courier's Python interop peers (interop_server.py, interop_client.py).

Generates the grpc.testing stubs from the repository's proto/ directory with grpc_tools.protoc
at run time (into a temporary directory) and imports them, so nothing generated is checked in.
"""

import atexit
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(ROOT, "proto")
PROTOS = ["grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto"]

# The interop test descriptions' sizes.
LARGE_REQ, LARGE_RESP = 271828, 314159
INPUT_SIZES = [27182, 8, 1828, 45904]
OUTPUT_SIZES = [31415, 9, 2653, 58979]
SPECIAL_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"


def load_stubs():
    """Returns (empty_pb2, messages_pb2, test_pb2, test_pb2_grpc)."""
    from grpc_tools import protoc  # noqa: PLC0415 (only the peers' venv has it)

    out = tempfile.mkdtemp(prefix="courier-interop-py-")
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    # The files live at grpc/testing/*.proto, so the generated modules would be `grpc.testing.*`,
    # which grpcio's own `grpc` package shadows. Copy them to courier_interop/ (imports rewritten);
    # the proto package, and so every service and method name on the wire, stays grpc.testing.
    src = os.path.join(out, "src")
    os.makedirs(os.path.join(src, "courier_interop"))
    for proto in PROTOS:
        with open(os.path.join(PROTO_DIR, proto), encoding="utf-8") as f:
            text = f.read().replace('import "grpc/testing/', 'import "courier_interop/')
        with open(os.path.join(src, "courier_interop", os.path.basename(proto)), "w") as f:
            f.write(text)
    files = [f"courier_interop/{os.path.basename(p)}" for p in PROTOS]
    args = ["protoc", f"-I{src}", f"--python_out={out}", f"--grpc_python_out={out}"]
    if protoc.main(args + files) != 0:
        sys.exit("interop_common: grpc_tools.protoc failed")
    sys.path.insert(0, out)
    from courier_interop import empty_pb2, messages_pb2, test_pb2, test_pb2_grpc  # noqa: PLC0415

    return empty_pb2, messages_pb2, test_pb2, test_pb2_grpc


def flag(argv, name, default=None):
    """Reads `--name=value` or `--name value` from argv."""
    for i, arg in enumerate(argv):
        if arg == f"--{name}" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return default
