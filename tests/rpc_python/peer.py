"""grpcio peer for courier-rpc's tests (tests/rpc_python.rs).

server: serves /courier.raw.Echo/{Unary,Stream,Fail} with identity (de)serializers, prints
        its port, runs until stdin closes.
client PORT: calls a courier-rpc server's /courier.raw.Echo/* and checks the answers; exits 0
        when every check passed.
"""
import sys
import time
from concurrent import futures

import grpc

IDENT = dict(request_deserializer=None, response_serializer=None)


def unary(request, context):
    md = dict(context.invocation_metadata())
    context.send_initial_metadata((("x-head", md.get("x-echo", "none")),))
    context.set_trailing_metadata((("x-trail", "t"), ("x-trail-bin", b"\x00\xff")))
    return request


def stream(request, context):
    for i in range(int(request.decode() or "0")):
        yield b"m%d" % i


def fail(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, "nicht gefunden ✓ 100%")


def fail_after_headers(request, context):
    # Response headers first, then the status in trailers (not Trailers-Only).
    context.send_initial_metadata((("x-head", "sent"),))
    context.abort(grpc.StatusCode.NOT_FOUND, "nicht gefunden ✓ 100%")


def fail_stream(request, context):
    # A response stream that fails before its first message.
    context.abort(grpc.StatusCode.NOT_FOUND, "nicht gefunden ✓ 100%")
    yield b"never"


def slow(request, context):
    time.sleep(2)
    return request


def serve():
    handlers = {
        "Unary": grpc.unary_unary_rpc_method_handler(unary),
        "Stream": grpc.unary_stream_rpc_method_handler(stream),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
        "FailAfterHeaders": grpc.unary_unary_rpc_method_handler(fail_after_headers),
        "FailStream": grpc.unary_stream_rpc_method_handler(fail_stream),
        "Slow": grpc.unary_unary_rpc_method_handler(slow),
    }
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("courier.raw.Echo", handlers),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    sys.stdin.read()
    server.stop(0)


def check(cond, what):
    if not cond:
        print("FAIL", what, flush=True)
        sys.exit(1)
    print("ok", what, flush=True)


def client(port):
    ch = grpc.insecure_channel("127.0.0.1:%s" % port)
    u = ch.unary_unary("/courier.raw.Echo/Unary")
    resp, call = u.with_call(b"hello", metadata=(("x-echo", "v"), ("x-b-bin", b"\x01\x02")))
    check(resp == b"hello", "unary echo")
    check(dict(call.initial_metadata()).get("x-echo") == "v", "initial metadata")
    check(dict(call.trailing_metadata()).get("x-b-bin") == b"\x01\x02", "binary trailer")
    resp = u(b"z" * 100000, compression=grpc.Compression.Gzip)
    check(resp == b"z" * 100000, "gzip request")
    s = ch.unary_stream("/courier.raw.Echo/Stream")
    check(list(s(b"5")) == [b"m0", b"m1", b"m2", b"m3", b"m4"], "server streaming")
    cs = ch.stream_unary("/courier.raw.Echo/Concat")
    check(cs(iter([b"a", b"b", b"c"])) == b"abc", "client streaming")
    bidi = ch.stream_stream("/courier.raw.Echo/Bidi")
    check(list(bidi(iter([b"x", b"y"]))) == [b"X", b"Y"], "bidi streaming")
    try:
        ch.unary_unary("/courier.raw.Echo/Fail")(b"")
        check(False, "error status")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.NOT_FOUND and e.details() == "nicht gefunden ✓ 100%", "error status")
    # Courier answers these two Trailers-Only: a stream failing before its first message, and
    # an empty stream (OK, with a trailer).
    try:
        list(ch.unary_stream("/courier.raw.Echo/FailFirst")(b""))
        check(False, "stream failing before its first message")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.NOT_FOUND and e.details() == "nicht gefunden ✓ 100%",
              "stream failing before its first message")
    call = s(b"0", metadata=(("x-b-bin", b"\x03"),))
    check(list(call) == [], "empty stream")
    check(call.code() == grpc.StatusCode.OK, "empty stream status")
    check(dict(call.trailing_metadata()).get("x-b-bin") == b"\x03", "empty stream trailer")
    try:
        ch.unary_unary("/courier.raw.Echo/Slow")(b"", timeout=0.2)
        check(False, "deadline")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, "deadline")
    try:
        ch.unary_unary("/no.Such/Method")(b"")
        check(False, "unimplemented")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNIMPLEMENTED, "unimplemented")
    print("ALL OK", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve()
    else:
        client(sys.argv[2])
