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


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def tls_client(argv):
    """Channel credentials and options from the TLS flags, or (None, []) without --use_tls=true.

    Flags: --use_tls=true --ca_file=PEM [--server_host_override=NAME], and for mTLS
    --client_cert_file=PEM --client_key_file=PEM.
    """
    import grpc  # noqa: PLC0415

    if flag(argv, "use_tls", "false") != "true":
        return None, []
    ca = flag(argv, "ca_file")
    if ca is None:
        sys.exit("--use_tls needs --ca_file (grpc's test CA is not bundled)")
    cert, key = flag(argv, "client_cert_file"), flag(argv, "client_key_file")
    creds = grpc.ssl_channel_credentials(
        root_certificates=_read(ca),
        private_key=_read(key) if key else None,
        certificate_chain=_read(cert) if cert else None,
    )
    options = []
    override = flag(argv, "server_host_override")
    if override:
        options.append(("grpc.ssl_target_name_override", override))
        options.append(("grpc.default_authority", override))
    return creds, options


def tls_server(argv):
    """Server credentials from the TLS flags, or None without --use_tls=true.

    Flags: --use_tls=true --cert_file=PEM --key_file=PEM, and for mTLS --client_ca_file=PEM
    (client certificates required).
    """
    import grpc  # noqa: PLC0415

    if flag(argv, "use_tls", "false") != "true":
        return None
    cert, key = flag(argv, "cert_file"), flag(argv, "key_file")
    if cert is None or key is None:
        sys.exit("--use_tls needs --cert_file and --key_file")
    client_ca = flag(argv, "client_ca_file")
    return grpc.ssl_server_credentials(
        [(_read(key), _read(cert))],
        root_certificates=_read(client_ca) if client_ca else None,
        require_client_auth=client_ca is not None,
    )
