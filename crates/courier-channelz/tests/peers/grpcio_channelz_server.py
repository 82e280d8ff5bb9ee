"""A grpcio process with channelz for tests/channelz.rs: a grpcio server serving
grpc.channelz.v1.Channelz (grpcio-channelz) and an echo method, and a grpcio channel (its
target is printed) that has made 3 successful calls and 1 that failed (NOT_FOUND) to it.
Prints "PORT <port> TARGET <target>", then serves until stdin closes."""

import sys
from concurrent import futures

import grpc
from grpc_channelz.v1 import channelz


def unary(request, context):
    if request == b"fail":
        context.abort(grpc.StatusCode.NOT_FOUND, "asked to fail")
    return request


server = grpc.server(futures.ThreadPoolExecutor(2), options=[("grpc.enable_channelz", 1)])
server.add_registered_method_handlers(
    "courier.echo.Echo", {"Unary": grpc.unary_unary_rpc_method_handler(unary)}
)
channelz.add_channelz_servicer(server)
port = server.add_insecure_port("127.0.0.1:0")
server.start()

target = f"127.0.0.1:{port}"
channel = grpc.insecure_channel(target, options=[("grpc.enable_channelz", 1)])
echo = channel.unary_unary("/courier.echo.Echo/Unary", _registered_method=True)
for _ in range(3):
    assert echo(b"hi") == b"hi"
try:
    echo(b"fail")
    raise SystemExit("expected NOT_FOUND")
except grpc.RpcError as e:
    assert e.code() == grpc.StatusCode.NOT_FOUND, e
print(f"PORT {port} TARGET {target}", flush=True)
sys.stdin.read()
server.stop(0)
